// Bundles the agent into dist/agent/ (run by `npm install` through `prepare`), so that the CLI
// and each worker thread start from plain JavaScript instead of compiling TypeScript through
// tsx in every thread (about 0.35 s of CPU each). agent/bin/agent.js uses the bundle only while
// it is newer than every source file; otherwise it runs the sources through tsx.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'agent');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'agent/cli.ts',
    'tile-worker': 'agent/lib/tile-worker.ts',
    'encoder-worker': 'agent/lib/encoder-worker.ts',
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// Files the bundle reads next to itself.
cpSync(join(root, 'agent', 'commands', 'serve-viewer.js'), join(out, 'serve-viewer.js'));
cpSync(join(root, 'shared', 'vips', 'libvips-thread.js'), join(out, 'libvips-thread.js'));
writeFileSync(join(out, 'BUILT'), `${new Date().toISOString()}\n`);
