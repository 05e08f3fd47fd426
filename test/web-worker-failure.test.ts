// A Web Worker that reports an uncaught error is treated as dead (its wasm-vips may have
// aborted, and an aborted instance fails or hangs on every later call), as the agent's pool
// treats a worker thread that dies. In the app's page (Chromium, dev server), a BrowserTiler of
// its own has an uncaught error thrown in its real workers (through the DevTools protocol):
// a tiling worker that fails while idle is replaced before the next image; one that fails
// mid-image fails that image alone, with a message saying so; an encoder that fails stops the
// images in progress and every worker is started afresh. Each time, the next image tiles the
// same bytes as before.

import type { Worker } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { resolveTileOptions } from '../shared/options.ts';
import { appPageForTests } from './helpers/web-page.ts';

const app = appPageForTests();
const page = () => app.page();

const options = resolveTileOptions({});

/** The workers of `kind` ('tile-worker' or 'encoder-worker') the page started since `known`. */
function newWorkers(kind: string, known: Set<Worker>): Worker[] {
  return page().workers().filter((w) => !known.has(w) && w.url().includes(kind));
}

/** Throw an uncaught error inside `worker` after `ms`. */
async function crashLater(worker: Worker, ms: number, why: string): Promise<void> {
  await worker.evaluate(`setTimeout(() => { throw new Error(${JSON.stringify(why)}); }, ${ms})`);
}

interface Outcome {
  ok: boolean;
  error?: string;
  files?: number;
  /** Path and bytes (as hex of a digest) of every image file, for comparing runs. */
  digests?: Record<string, string>;
}

/** Tile window.__file with window.__tiler, as image `id`; never throws. */
function tile(id: string): Promise<Outcome> {
  return page().evaluate(`(async () => {
    const store = await import('/storage/store.ts');
    try {
      const result = await window.__tiler.tile({ file: window.__file, id: ${JSON.stringify(id)}, options: ${JSON.stringify(options)}, metadata: {} }, () => undefined);
      const digests = {};
      for (const path of Object.keys(result.index)) {
        if (path.endsWith('.json')) continue;
        const bytes = await (await store.readFile(result, path)).arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        digests[path] = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      }
      return { ok: true, files: result.files, digests };
    } catch (err) {
      return { ok: false, error: String(err && err.message || err) };
    }
  })()`) as Promise<Outcome>;
}

/** The app's own workers, there before the tests' BrowserTiler was made. */
let appWorkers = new Set<Worker>();

/** The one live worker of `kind` of the tests' BrowserTiler (ended ones may take a moment to go). */
async function ourWorker(kind: string): Promise<Worker> {
  for (let i = 0; i < 50; i++) {
    const ours = newWorkers(kind, appWorkers);
    if (ours.length === 1) return ours[0]!;
    await page().waitForTimeout(100);
  }
  throw new Error(`not exactly one ${kind} of the tests' tiler: ${newWorkers(kind, appWorkers).length}`);
}

/** window.__tiler (a BrowserTiler of the tests') and window.__file (a sample), made once. */
async function ensureTiler(): Promise<void> {
  if (await page().evaluate('Boolean(window.__tiler)')) return;
  // The app's own workers are there already; the tests' are the ones that appear after this.
  await page().waitForTimeout(500);
  appWorkers = new Set(page().workers());
  // A string, not a function: the test runner would rewrite a function's import().
  await page().evaluate(`(async () => {
    const { BrowserTiler } = await import('/tiler/tiler.ts');
    window.__tiler = new BrowserTiler({ encoders: 1 });
    await window.__tiler.ready();
    // Big enough (4000x3000) that an image is still being tiled 300 ms after it starts.
    window.__file = await window.__tiler.makeSample(4000, 3000);
  })()`);
}

const failedWorkers = (): Promise<number> => page().evaluate('window.__tiler.failedWorkers') as Promise<number>;

describe('browser workers that fail', () => {
  it('are replaced, the image in progress fails alone with the reason, and the next one tiles the same', async () => {
    await ensureTiler();
    const initial = appWorkers;
    let known = initial;
    const [encoder] = newWorkers('encoder-worker', initial);
    expect(encoder).toBeDefined();
    const reference = await tile('reference');
    expect(reference.ok, reference.error).toBe(true);
    expect(reference.files).toBeGreaterThan(100);

    // A tiling worker that fails while idle: replaced when the next image takes it.
    let [tiling] = newWorkers('tile-worker', known);
    expect(tiling).toBeDefined();
    known = new Set(page().workers());
    await crashLater(tiling!, 0, 'simulated crash while idle');
    await page().waitForTimeout(300);
    const afterIdle = await tile('after-idle-crash');
    expect(afterIdle.ok, afterIdle.error).toBe(true);
    expect(afterIdle.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(1);

    // A tiling worker that fails mid-image: that image fails, saying why; the next one tiles.
    [tiling] = newWorkers('tile-worker', known);
    expect(tiling).toBeDefined();
    known = new Set(page().workers());
    await crashLater(tiling!, 300, 'simulated crash mid-image');
    const crashed = await tile('crashed');
    expect(crashed.ok).toBe(false);
    expect(crashed.error).toMatch(/tiling worker failed \(.*simulated crash mid-image.*\)/);
    const afterBusy = await tile('after-busy-crash');
    expect(afterBusy.ok, afterBusy.error).toBe(true);
    expect(afterBusy.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(2);

    // An encoder that fails mid-image: the image fails, every worker is started afresh.
    await crashLater(encoder!, 300, 'simulated encoder crash');
    const encoderCrashed = await tile('encoder-crashed');
    expect(encoderCrashed.ok).toBe(false);
    expect(encoderCrashed.error).toMatch(/encoder worker failed \(.*simulated encoder crash.*\)/);
    const afterEncoder = await tile('after-encoder-crash');
    expect(afterEncoder.ok, afterEncoder.error).toBe(true);
    expect(afterEncoder.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(3);
  }, 180_000);

  it('are replaced after a trap of wasm-vips (injected) fails an image, which fails alone', async () => {
    await ensureTiler();
    const reference = await tile('trap-reference');
    expect(reference.ok, reference.error).toBe(true);
    const failedBefore = await failedWorkers();
    // A WebAssembly.RuntimeError, as a trap or an abort of wasm-vips throws, from the first
    // write of a tile file into the tiling worker's pack.
    const ours = await ourWorker('tile-worker');
    await ours.evaluate(`(() => {
      const proto = FileSystemSyncAccessHandle.prototype;
      const write = proto.write;
      proto.write = function () {
        proto.write = write;
        throw new WebAssembly.RuntimeError('simulated trap in the tiling worker');
      };
    })()`);
    const trapped = await tile('trapped');
    expect(trapped.ok).toBe(false);
    expect(trapped.error).toMatch(/simulated trap in the tiling worker/);
    const after = await tile('after-trap');
    expect(after.ok, after.error).toBe(true);
    expect(after.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(failedBefore + 1);

    // The same in an encoder, from copying a strip into its wasm memory: it replies with the
    // error (the image fails), then raises it uncaught, and the page starts every worker afresh.
    const encoder = await ourWorker('encoder-worker');
    await encoder.evaluate(`(() => {
      const proto = Uint8Array.prototype;
      const set = proto.set;
      proto.set = function () {
        proto.set = set;
        throw new WebAssembly.RuntimeError('simulated trap in the encoder');
      };
    })()`);
    const encoderTrapped = await tile('encoder-trapped');
    expect(encoderTrapped.ok).toBe(false);
    expect(encoderTrapped.error).toMatch(/simulated trap in the encoder/);
    const afterEncoder = await tile('after-encoder-trap');
    expect(afterEncoder.ok, afterEncoder.error).toBe(true);
    expect(afterEncoder.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(failedBefore + 2);
  }, 120_000);

  it('stops, saying why, when the encoders fail again and again before they are ready', async () => {
    // Error events as the browser delivers them for a worker that fails while loading (no memory
    // for its wasm, say), dispatched on each set of encoders as soon as it is started.
    const result = (await page().evaluate(`(async () => {
      const { BrowserTiler } = await import('/tiler/tiler.ts');
      const tiler = new BrowserTiler({ encoders: 1 });
      try {
        const started = new Set();
        for (let i = 0; i < 4; i++) {
          const [encoder] = tiler.encoders;
          if (!encoder) break;
          started.add(encoder);
          encoder.dispatchEvent(new ErrorEvent('error', { message: 'simulated load failure ' + i }));
        }
        const canvas = new OffscreenCanvas(300, 200);
        canvas.getContext('2d').fillRect(0, 0, 150, 100);
        const file = new File([await canvas.convertToBlob({ type: 'image/jpeg' })], 'small.jpg', { type: 'image/jpeg' });
        const outcome = await tiler.tile({ file, id: 'never', options: ${JSON.stringify(options)}, metadata: {} }, () => undefined).then(
          () => 'tiled',
          (err) => String(err.message),
        );
        return { sets: started.size, left: tiler.encoders.length, outcome };
      } finally {
        tiler.dispose();
      }
    })()`)) as { sets: number; left: number; outcome: string };
    // Restarted three times, then left stopped.
    expect(result.sets).toBe(4);
    expect(result.left).toBe(0);
    expect(result.outcome).toMatch(/encoder workers cannot start \(simulated load failure 3\)/);
  }, 60_000);
});
