// The encoder pool changes nothing but speed: every file is byte-identical to the
// single-threaded path, for odd sizes, odd inputs, both IIIF versions and every format.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTile } from '../agent/commands/tile.ts';
import { compileVips } from '../agent/lib/compile-vips.ts';
import { TilePool, threadsPerImage } from '../agent/lib/worker-pool.ts';
import { type TileOptions, resolveTileOptions } from '../shared/options.ts';
import { filesUnder } from './helpers/files.ts';
import { raw, writeOddImages } from './helpers/odd-images.ts';

/** The output files, without the two that name their run (stamp and collection label). */
function files(dir: string): Map<string, Buffer> {
  const out = filesUnder(dir);
  for (const key of [...out.keys()]) if (key === 'collection.json' || key.endsWith('/.tessella.json')) out.delete(key);
  return out;
}

/** The files of `out` are those of `reference`, byte for byte (`label` names the case in messages). */
function expectSameFiles(reference: string, out: string, label?: string): void {
  const fa = files(reference);
  const fb = files(out);
  expect([...fb.keys()].sort(), label).toEqual([...fa.keys()].sort());
  for (const [path, bytes] of fa) expect(fb.get(path)!.equals(bytes), label ? `${label} ${path}` : path).toBe(true);
}

/** `inputs` tiled on the single-threaded path (no encoders) into `out`, for comparison. */
async function tileReference(inputs: string[], out: string, options: TileOptions): Promise<void> {
  const report = await runTile(inputs, { out, options, jobs: 1, encoders: 0, force: true });
  expect(report.totals.ok).toBe(inputs.length);
}

/** The photo tiled once on the single-threaded path with default options, for tests to compare against. */
let photoReferenceRun: Promise<{ options: TileOptions; photo: string; reference: string }> | undefined;
function photoReference(): Promise<{ options: TileOptions; photo: string; reference: string }> {
  return (photoReferenceRun ??= (async () => {
    const options = resolveTileOptions({});
    const photo = join(dir, 'photo.jpg');
    const reference = join(dir, 'photo-reference');
    await tileReference([photo], reference, options);
    return { options, photo, reference };
  })());
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-pool-'));
  await raw(1500, 1100).jpeg({ quality: 92 }).toFile(join(dir, 'photo.jpg'));
  await raw(257, 1, 4).png().toFile(join(dir, 'line.png'));
  await raw(33, 900, 4).png().toFile(join(dir, 'tall.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encoder pool', () => {
  for (const [iiifVersion, format] of [[3, 'jpg'], [2, 'webp'], [3, 'png']] as const) {
    it(`v${iiifVersion} ${format}: same bytes with 0 and 2 encoder threads`, async () => {
      const options = resolveTileOptions({ iiifVersion, format });
      const inputs = ['photo.jpg', 'line.png', 'tall.png'].map((f) => join(dir, f));
      const single = join(dir, `single-${iiifVersion}-${format}`);
      const pooled = join(dir, `pooled-${iiifVersion}-${format}`);
      const a = await runTile(inputs, { out: single, options, jobs: 1, encoders: 0, force: true });
      const b = await runTile(inputs, { out: pooled, options, jobs: 1, encoders: 2, force: true });
      expect(a.totals.failed).toBe(0);
      expect(b.totals.failed).toBe(0);
      expect(files(single).size).toBeGreaterThan(50);
      expectSameFiles(single, pooled);
    });
  }

  // Every kind of input through threads whose libvips has a fixed thread set (agent/lib/vips.ts):
  // one that started a pipeline inside another would hang here rather than fail.
  // Two at once without encoders: each tiling worker gets its share of the cores (one libvips
  // thread on a 2-core machine) and encodes its own tiles through it.
  it('odd inputs (rotated, CMYK, 16-bit, alpha, interlaced...): same bytes with 0 and 1 encoder threads, two at once, and two at once without encoders', async () => {
    const odd = await writeOddImages(join(dir, 'odd'));
    const inputs = odd.map((o) => o.file);
    const options = resolveTileOptions({});
    const runs = [
      { out: join(dir, 'odd-single'), jobs: 1, encoders: 0 },
      { out: join(dir, 'odd-pooled'), jobs: 2, encoders: 1 },
      { out: join(dir, 'odd-shared-cores'), jobs: 2, encoders: 0 },
    ];
    for (const run of runs) {
      const report = await runTile(inputs, { ...run, options, force: true });
      expect(report.totals.failed).toBe(0);
      expect(report.totals.ok).toBe(odd.length);
    }
    const [first, ...others] = runs;
    for (const run of others) expectSameFiles(first!.out, run.out);
  }, 180_000);

  // The pool starts its threads before libvips is compiled and sends the module when it is
  // ready; with none (a failed compile), each thread's glue compiles its own.
  it('tiles the same bytes whether the compiled module comes late, or never', async () => {
    const { options, photo, reference } = await photoReference();
    const late = compileVips().then((m) => new Promise<WebAssembly.Module>((done) => setTimeout(() => done(m), 500)));
    const never = (): Promise<WebAssembly.Module> => Promise.reject(new Error('no module'));
    for (const [name, wasm] of [['late', () => late], ['never', never]] as const) {
      const pool = new TilePool(1, 1, wasm());
      const out = join(dir, `module-${name}`);
      try {
        const summary = await pool.run({ id: 'photo', path: photo, outDir: out, options }, () => undefined);
        expect(summary.width, name).toBe(1500);
      } finally {
        await pool.close();
      }
      expectSameFiles(reference, out, name);
    }
  }, 120_000);

  // An encoder that dies takes every tiling worker down with it (their strips would never come
  // back); the pool starts new encoders, and each slot a new tiling worker when next used.
  it('after an encoder dies, during an image or between images, the next image is tiled the same', async () => {
    const { options, photo, reference } = await photoReference();
    const pool = new TilePool(1, 1, compileVips());
    const encoder = (): Worker => (pool as unknown as { encoders: Worker[] }).encoders[0]!;
    const settle = (): Promise<void> => new Promise((done) => setImmediate(done));
    try {
      const job = (name: string) => ({ id: 'photo', path: photo, outDir: join(dir, `encoder-${name}`), options });
      // Between images: killed before any image, while the tiling worker is idle.
      await pool.run(job('warm'), () => undefined);
      await encoder().terminate();
      await settle();
      const after = await pool.run(job('after-idle'), () => undefined);
      expect(after.width).toBe(1500);
      // During an image: it fails or completes, but does not hang, and the next one is whole.
      let killed: Promise<number> | undefined;
      const during = await pool
        .run(job('during'), () => (killed ??= encoder().terminate()))
        .then(() => 'completed', (err: Error) => err.message);
      await killed;
      await settle();
      if (during !== 'completed') expect(during).toMatch(/tiling worker (stopped|did not start)/);
      const next = await pool.run(job('next'), () => undefined);
      expect(next.width).toBe(1500);
    } finally {
      await pool.close();
    }
    for (const name of ['after-idle', 'next']) expectSameFiles(reference, join(dir, `encoder-${name}`), name);
  }, 120_000);

  // wasm memory is never given back and grows with every new size of big block (PoolEncoder.whole):
  // a tiling worker whose memory has grown past the pool's limit after an image is replaced.
  it('replaces a tiling worker whose wasm memory has grown past the limit, and tiles the same bytes', async () => {
    const options = resolveTileOptions({});
    const inputs = ['photo.jpg', 'line.png', 'tall.png'].map((f) => join(dir, f));
    const reference = join(dir, 'recycle-reference');
    await tileReference(inputs, reference, options);
    // Every instance is bigger than 1 byte: the worker is replaced after each image.
    const pool = new TilePool(1, 1, compileVips(), 1);
    try {
      for (const input of inputs) {
        const id = basename(input, extname(input));
        const summary = await pool.run({ id, path: input, outDir: join(dir, 'recycled'), options }, () => undefined);
        expect(summary.id).toBe(id);
      }
      expect(pool.recycledWorkers).toBe(3);
    } finally {
      await pool.close();
    }
    expectSameFiles(reference, join(dir, 'recycled'));
  }, 120_000);

  it('without encoders, the images tiled at once share the cores between their libvips threads', () => {
    expect(threadsPerImage(8, 1)).toBe(8);
    expect(threadsPerImage(8, 2)).toBe(4);
    expect(threadsPerImage(8, 3)).toBe(2);
    expect(threadsPerImage(2, 2)).toBe(1);
    expect(threadsPerImage(2, 5)).toBe(1);
  });
});
