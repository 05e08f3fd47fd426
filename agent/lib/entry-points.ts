// Where the worker threads' code is: next to this module when running from the bundle
// (dist/agent/*.mjs), or the TypeScript sources started through tsx's boot file otherwise.

import type { WorkerOptions } from 'node:worker_threads';

const bundled = import.meta.url.endsWith('.mjs');

export type WorkerName = 'tile-worker' | 'encoder-worker' | 'file-writer-worker';

/** The script and workerData to start a worker thread of that name with. */
export function workerEntry(name: WorkerName, data: Record<string, unknown> = {}): { url: URL; options: WorkerOptions } {
  if (bundled) return { url: new URL(`./${name}.mjs`, import.meta.url), options: { workerData: data } };
  return {
    url: new URL('./boot-worker.js', import.meta.url),
    options: { workerData: { ...data, entry: new URL(`./${name}.ts`, import.meta.url).href } },
  };
}

/**
 * The script libvips' thread workers start from (shared/vips/libvips-thread.js): copied next to
 * the bundle by build.mjs.
 */
export const libvipsThreadScript = (): URL =>
  new URL(bundled ? './libvips-thread.js' : '../../shared/vips/libvips-thread.js', import.meta.url);
