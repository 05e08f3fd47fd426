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

/** Throw an uncaught error inside `worker`, at once. */
async function crashNow(worker: Worker, why: string): Promise<void> {
  await worker.evaluate(`setTimeout(() => { throw new Error(${JSON.stringify(why)}); })`);
}

/**
 * Throw an uncaught error inside `worker` just after the next call of `owner[method]` (the
 * first tile written, the first strip copied): mid-image, whatever the machine's speed.
 */
async function crashAfterNextCall(worker: Worker, owner: string, method: string, why: string): Promise<void> {
  await worker.evaluate(`(() => {
    const owner = ${owner};
    const real = owner[${JSON.stringify(method)}];
    owner[${JSON.stringify(method)}] = function (...args) {
      owner[${JSON.stringify(method)}] = real;
      setTimeout(() => { throw new Error(${JSON.stringify(why)}); });
      return real.apply(this, args);
    };
  })()`);
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
    window.__file = await window.__tiler.makeSample(4000, 3000);
  })()`);
}

/** The next call of `owner[method]` in `worker` throws a WebAssembly.RuntimeError, as a trap or abort of wasm-vips does. */
async function trapOnce(worker: Worker, owner: string, method: string, message: string): Promise<void> {
  await worker.evaluate(`(() => {
    const owner = ${owner};
    const real = owner[${JSON.stringify(method)}];
    owner[${JSON.stringify(method)}] = function () {
      owner[${JSON.stringify(method)}] = real;
      throw new WebAssembly.RuntimeError(${JSON.stringify(message)});
    };
  })()`);
}

/** Image `id` fails with a message matching `why`; the next one tiles the same bytes as `reference`. */
async function expectFailsAloneThenSame(id: string, why: RegExp, reference: Outcome): Promise<void> {
  const failed = await tile(id);
  expect(failed.ok).toBe(false);
  expect(failed.error).toMatch(why);
  const next = await tile(`after-${id}`);
  expect(next.ok, next.error).toBe(true);
  expect(next.digests).toEqual(reference.digests);
}

const failedWorkers = (): Promise<number> => page().evaluate('window.__tiler.failedWorkers') as Promise<number>;

describe('browser workers that fail', () => {
  it('are replaced, the image in progress fails alone with the reason, and the next one tiles the same', async () => {
    await ensureTiler();
    const reference = await tile('reference');
    expect(reference.ok, reference.error).toBe(true);
    expect(reference.files).toBeGreaterThan(100);
    const failedBefore = await failedWorkers();

    // A tiling worker that fails while idle: replaced when the next image takes it.
    await crashNow(await ourWorker('tile-worker'), 'simulated crash while idle');
    await page().waitForTimeout(300);
    const afterIdle = await tile('after-idle-crash');
    expect(afterIdle.ok, afterIdle.error).toBe(true);
    expect(afterIdle.digests).toEqual(reference.digests);
    expect(await failedWorkers()).toBe(failedBefore + 1);

    // A tiling worker that fails mid-image: that image fails, saying why; the next one tiles.
    await crashAfterNextCall(await ourWorker('tile-worker'), 'FileSystemSyncAccessHandle.prototype', 'write', 'simulated crash mid-image');
    await expectFailsAloneThenSame('crashed', /tiling worker failed \(.*simulated crash mid-image.*\)/, reference);
    expect(await failedWorkers()).toBe(failedBefore + 2);

    // An encoder that fails mid-image: the image fails, every worker is started afresh.
    await crashAfterNextCall(await ourWorker('encoder-worker'), 'Uint8Array.prototype', 'set', 'simulated encoder crash');
    await expectFailsAloneThenSame('encoder-crashed', /encoder worker failed \(.*simulated encoder crash.*\)/, reference);
    expect(await failedWorkers()).toBe(failedBefore + 3);
  }, 180_000);

  it('are replaced after a trap of wasm-vips (injected) fails an image, which fails alone', async () => {
    await ensureTiler();
    const reference = await tile('trap-reference');
    expect(reference.ok, reference.error).toBe(true);
    const failedBefore = await failedWorkers();
    // A WebAssembly.RuntimeError, as a trap or an abort of wasm-vips throws, from the first
    // write of a tile file into the tiling worker's pack.
    await trapOnce(await ourWorker('tile-worker'), 'FileSystemSyncAccessHandle.prototype', 'write', 'simulated trap in the tiling worker');
    await expectFailsAloneThenSame('trapped', /simulated trap in the tiling worker/, reference);
    expect(await failedWorkers()).toBe(failedBefore + 1);

    // The same in an encoder, from copying a strip into its wasm memory: it replies with the
    // error (the image fails), then raises it uncaught, and the page starts every worker afresh.
    await trapOnce(await ourWorker('encoder-worker'), 'Uint8Array.prototype', 'set', 'simulated trap in the encoder');
    await expectFailsAloneThenSame('encoder-trapped', /simulated trap in the encoder/, reference);
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
