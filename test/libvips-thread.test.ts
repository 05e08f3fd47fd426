// libvips' threads start from shared/vips/libvips-thread.js, which skips registering the glue's
// JavaScript API in them. They must work as the glue's own threads do, including the calls
// they hand over to the JavaScript thread (a custom source's reads).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFile, loadVips } from '../agent/lib/vips.ts';
import type { Vips } from '../shared/vips/types.ts';
import { pattern } from './helpers/odd-images.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-libvips-thread-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A wasm module importing `env._embind_register_thing`, exporting `_embind_initialize_bindings`
 * (calls it) and `answer` (42).
 */
function moduleWithBindings(): Uint8Array {
  const name = (s: string): number[] => [s.length, ...Buffer.from(s)];
  const section = (id: number, body: number[]): number[] => [id, body.length, ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [2, 0x60, 0, 0, 0x60, 0, 1, 0x7f]), // types: () => void, () => i32
    ...section(2, [1, ...name('env'), ...name('_embind_register_thing'), 0, 0]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('_embind_initialize_bindings'), 0, 1, ...name('answer'), 0, 2]),
    ...section(10, [2, 4, 0, 0x10, 0, 0x0b, 4, 0, 0x41, 42, 0x0b]), // call 0; i32.const 42
  ]);
}

describe('libvips threads without the JavaScript API', () => {
  it('instantiate with a wasm no-op in place of the registration, every export in its place', async () => {
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const env = { _embind_register_thing: () => { throw new Error('registered'); } };
      import(workerData.shim).then(() => {
        const { exports } = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env });
        exports._embind_initialize_bindings();
        // The glue puts every export into the thread's function table: only wasm functions go there.
        new WebAssembly.Table({ element: 'anyfunc', initial: 1 }).set(0, exports._embind_initialize_bindings);
        parentPort.postMessage({ keys: Object.keys(exports), answer: exports.answer() });
      });`;
    const shim = new URL('../shared/vips/libvips-thread.js', import.meta.url).href;
    const worker = new Worker(script, { eval: true, workerData: { shim, bytes: moduleWithBindings() } });
    const reply = await new Promise<{ keys: string[]; answer: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ keys: ['_embind_initialize_bindings', 'answer'], answer: 42 });
  });

  it('decode through a custom source and encode byte for byte as the glue’s own threads', async () => {
    const width = 2100;
    const height = 900;
    const path = join(dir, 'in.jpg');
    writeFileSync(path, await sharp(pattern(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    const run = (vips: Vips): Buffer => {
      const file = new ImageFile(vips, path);
      const image = file.open({ access: 'sequential', fail_on: 'error' });
      try {
        return Buffer.from(image.jpegsaveBuffer({ Q: 80, optimize_coding: true }));
      } finally {
        image.delete();
        file.close();
      }
    };
    // With `concurrency`, every libvips thread comes from libvips-thread.js; without, from the glue.
    const shimmed = run(await loadVips({ concurrency: 1 }));
    const glue = run(await loadVips());
    expect(shimmed.length).toBeGreaterThan(1000);
    expect(shimmed.equals(glue)).toBe(true);
  });
});
