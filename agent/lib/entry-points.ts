// Where the worker threads' code is: next to this module when running from the bundle
// (dist/agent/*.mjs), or the TypeScript sources started through tsx's boot file otherwise.

import type { ResourceLimits, WorkerOptions } from 'node:worker_threads';

const bundled = import.meta.url.endsWith('.mjs');

export type WorkerName = 'tile-worker' | 'encoder-worker';

/**
 * Every worker thread's JavaScript heap gets a young generation of 3 MB (semi-spaces of 1 MB)
 * instead of V8's default of up to 48 MB. Our threads keep little on the JavaScript heap (pixels
 * live in wasm memory and in ArrayBuffers outside it), but left alone each thread's young
 * generation grows towards its maximum, and each fresh page of it costs a page fault (10-20 µs
 * on the VMs measured). On the 100 Mpx image: about 10,000 fewer page faults per run.
 */
export const THREAD_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 3 };

/** The script and options (workerData, resource limits) to start a worker thread of that name with. */
export function workerEntry(name: WorkerName, data: Record<string, unknown> = {}): { url: URL; options: WorkerOptions } {
  const resourceLimits = THREAD_RESOURCE_LIMITS;
  if (bundled) return { url: new URL(`./${name}.mjs`, import.meta.url), options: { workerData: data, resourceLimits } };
  return {
    url: new URL('./boot-worker.js', import.meta.url),
    options: { workerData: { ...data, entry: new URL(`./${name}.ts`, import.meta.url).href }, resourceLimits },
  };
}

/**
 * The script libvips' thread workers start from (shared/vips/libvips-thread.js): copied next to
 * the bundle by build.mjs.
 */
export const libvipsThreadScript = (): URL =>
  new URL(bundled ? './libvips-thread.js' : '../../shared/vips/libvips-thread.js', import.meta.url);
