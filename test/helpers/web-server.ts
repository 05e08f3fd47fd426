// The real web app on a loopback port, started in this process with Vite's own API and the repo's
// vite.config.ts: the dev server (modules compiled on request, as `npm start`), or a production
// build (`vite build` into a temp folder) served by `vite preview`, as a static host would.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type InlineConfig, build, createServer, preview } from 'vite';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface WebApp {
  /** http://127.0.0.1:PORT/ (with the trailing slash). */
  url: string;
  close(): Promise<void>;
}

/**
 * vite.config.ts roots Vite at the repo when VITEST is set (so the test runner finds test/): the web
 * app's root is given here explicitly. Everything else (COOP/COEP headers, fs.allow, workers,
 * optimizeDeps) comes from the config file; port 0 asks the OS for a free port.
 */
function appConfig(extra: InlineConfig = {}): InlineConfig {
  return {
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    root: join(REPO_ROOT, 'web'),
    logLevel: 'error',
    clearScreen: false,
    ...extra,
  };
}

function urlOf(resolved: { local: string[] } | null, what: string): string {
  const url = resolved?.local[0];
  if (!url) throw new Error(`${what} started but reported no local URL`);
  return url;
}

/**
 * The Vite dev server, as `npm start` runs it. Its pre-bundled dependencies go to a cache of its
 * own (cold, as on a fresh CI clone), so servers of parallel test files never share one.
 */
export async function startDevServer(): Promise<WebApp> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-vite-cache-'));
  const server = await createServer(appConfig({ cacheDir, server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false } }));
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: urlOf(server.resolvedUrls, 'vite dev server'),
    close: async () => {
      await server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** `vite build` into a fresh temp folder (never the repo's dist/); returns that folder. */
export async function buildApp(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tessella-web-build-'));
  await build(appConfig({ build: { outDir, emptyOutDir: true } }));
  return outDir;
}

/** A built app served by `vite preview` (static files with the config's preview headers). */
export async function startPreviewServer(outDir: string): Promise<WebApp> {
  const server = await preview(appConfig({ build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: true } }));
  return { url: urlOf(server.resolvedUrls, 'vite preview'), close: () => server.close() };
}

/** Remove a folder made by buildApp. */
export function removeBuild(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
}
