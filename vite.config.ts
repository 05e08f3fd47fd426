// One config for the web app (Vite, root web/) and the test suite (Vitest, root: the repo).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repo = fileURLToPath(new URL('.', import.meta.url));

// wasm-vips runs libvips' threads on SharedArrayBuffer, which needs a cross-origin isolated page.
// A static host must send these two headers on the page and on the scripts (see README).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  root: process.env.VITEST ? repo : `${repo}web`,
  server: {
    port,
    strictPort: true,
    headers: isolation,
    // shared/ and node_modules sit beside web/.
    fs: { allow: [repo] },
  },
  preview: { port, strictPort: true, headers: isolation },
  // Pre-bundling breaks wasm-vips' `new URL('vips.wasm', import.meta.url)` and its pthread workers.
  optimizeDeps: { exclude: ['wasm-vips'] },
  worker: { format: 'es' },
  build: {
    outDir: `${repo}dist/web`,
    emptyOutDir: true,
    target: 'es2022',
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Tests tile real images and start servers and Chromium: two files at a time fit this machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
