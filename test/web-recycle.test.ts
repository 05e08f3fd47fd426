// The browser's tiling worker is replaced when its wasm memory has grown past the limit (see
// RECYCLE_WASM_ABOVE_BYTES), and the fresh one tiles the same bytes. The app's own BrowserTiler
// uses the real limit, which one small image never reaches: here a second BrowserTiler, made in
// the app's page from the modules the dev server serves, gets a limit of one byte.

import { describe, expect, it } from 'vitest';
import { resolveTileOptions } from '../shared/options.ts';
import { appPageForTests } from './helpers/web-page.ts';

const app = appPageForTests();

describe('browser tiling worker', () => {
  it('is replaced after an image once its wasm memory passes the limit, and the fresh one tiles the same bytes', async () => {
    const options = resolveTileOptions({});
    // A string, not a function: the test runner would rewrite a function's import().
    const result = (await app.page().evaluate(`(async (opts) => {
      const { BrowserTiler } = await import('/tiler/tiler.ts');
      const store = await import('/storage/store.ts');
      const tiler = new BrowserTiler({ recycleAboveBytes: 1 });
      try {
        await tiler.ready();
        const file = await tiler.makeSample(1200, 900);
        const first = await tiler.tile({ file, id: 'recycle-a', options: opts, metadata: {} }, () => undefined);
        const second = await tiler.tile({ file, id: 'recycle-b', options: opts, metadata: {} }, () => undefined);
        const images = Object.keys(first.index).filter((path) => !path.endsWith('.json'));
        let same = 0;
        const differ = [];
        for (const path of images) {
          const a = new Uint8Array(await (await store.readFile(first, path)).arrayBuffer());
          const b = await store.readFile(second, path);
          const bb = b ? new Uint8Array(await b.arrayBuffer()) : undefined;
          if (bb && bb.length === a.length && bb.every((v, i) => v === a[i])) same++;
          else differ.push(path);
        }
        return { recycled: tiler.recycledWorkers, files: [first.files, second.files], images: images.length, same, differ };
      } finally {
        tiler.dispose();
      }
    })(${JSON.stringify(options)})`)) as { recycled: number; files: number[]; images: number; same: number; differ: string[] };
    // Every image grows the worker past one byte: replaced after each.
    expect(result.recycled).toBe(2);
    expect(result.files[0]).toBeGreaterThan(10);
    expect(result.files[1]).toBe(result.files[0]);
    expect(result.images).toBe(result.files[0]);
    expect(result.differ).toEqual([]);
    expect(result.same).toBe(result.images);
  }, 120_000);
});
