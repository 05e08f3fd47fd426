#!/usr/bin/env node
// Entry point of `agent`. Runs the bundle in dist/agent/ (made by `npm install`) while it is
// newer than every source file, else the TypeScript sources through tsx: no stale bundle ever
// runs after an edit, and an installed agent starts without compiling anything.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|js|mjs)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  const stamp = join(root, 'dist', 'agent', 'BUILT');
  if (process.env.TESSELLA_FROM_SOURCE || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return newestSource(join(root, 'agent')) <= built && newestSource(join(root, 'shared')) <= built;
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import('../../dist/agent/cli.mjs'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli.ts'));
}
const code = await main(process.argv);
// Exit now rather than when idle sockets and timers let go (keep-alive S3 connections), once
// everything written to stdout and stderr has been flushed.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
process.exit(code);
