// Strip buffers are used again: decoded into (full-resolution strips mostly into slots of wasm
// memory), halved into, encoded (here or in an encoder thread) and given back, without
// changing a pixel.
import { MessageChannel } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVips } from '../agent/lib/vips.ts';
import { serveEncodeRequests } from '../shared/encode-pool/encoder-service.ts';
import { PoolEncoder } from '../shared/encode-pool/pool-encoder.ts';
import type { PortLike } from '../shared/encode-pool/protocol.ts';
import { BufferPool } from '../shared/pyramid/buffer-pool.ts';
import { encodeStripTiles } from '../shared/vips/encode.ts';
import { stripReader } from '../shared/vips/strip-reader.ts';
import type { Vips, VipsImage } from '../shared/vips/types.ts';
import { encodingVips } from '../shared/vips/wasm-memory.ts';
import { expectBackTo, settled } from './helpers/vips-stats.ts';

let vips: Vips;
beforeAll(async () => {
  vips = await loadVips();
});

/** A noisy 8-bit image (lazy), `bands` 3 or 4. */
function noise(width: number, height: number, bands: number): VipsImage {
  const made: VipsImage[] = [];
  const keep = (img: VipsImage): VipsImage => (made.push(img), img);
  try {
    const g = keep(keep(vips.Image.gaussnoise(width, height, { mean: 128, sigma: 60 })).cast('uchar'));
    const planes = Array.from({ length: bands - 1 }, (_, i) => keep(keep(g.rot180()).linear(1, 17 * (i + 1))));
    return keep(keep(g.bandjoin(planes)).cast('uchar')).copyMemory();
  } finally {
    for (const img of made) img.delete();
  }
}

describe('BufferPool', () => {
  it('gives back the same buffer for the same size, and a new one otherwise', () => {
    const pool = new BufferPool();
    const a = pool.take(1000);
    pool.give(a);
    expect(pool.pooledBytes).toBe(1000);
    expect(pool.take(999)).not.toBe(a);
    expect(pool.take(1000)).toBe(a);
    expect(pool.take(1000)).not.toBe(a);
    expect(pool.pooledBytes).toBe(0);
  });

  it('ignores views into larger buffers, detached buffers and buffers given twice', () => {
    const pool = new BufferPool();
    pool.give(new Uint8Array(2000).subarray(0, 1000));
    pool.give(new Uint8Array(new ArrayBuffer(2000), 1000, 1000));
    const detached = new Uint8Array(1000);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    pool.give(detached);
    expect(pool.pooledBytes).toBe(0);
    const a = new Uint8Array(1000);
    pool.give(a);
    pool.give(a);
    expect(pool.pooledBytes).toBe(1000);
  });
});

describe('stripReader', () => {
  it.each([
    [3, 1000, 700, 256],
    [4, 333, 257, 256],
    [3, 1, 1, 256],
    [3, 257, 95, 31],
  ])('%i bands, %ix%i in strips of %i rows: the same pixels as writeToMemory, in one reused slot', async (bands, width, height, rows) => {
    const image = noise(width, height, bands);
    const pool = new BufferPool();
    const reader = stripReader(vips, image, rows, pool);
    const seen = new Set<number>();
    const before = await settled(vips.Stats.allocations);
    try {
      for (let top = 0; top < height; top += rows) {
        const h = Math.min(rows, height - top);
        const strip = reader.read(top, h);
        const region = image.crop(0, top, width, h);
        const expected = region.writeToMemory() as Uint8Array;
        region.delete();
        expect([strip.width, strip.height, strip.bands]).toEqual([width, h, bands]);
        expect(Buffer.compare(strip.data, expected)).toBe(0);
        // A view of the instance's shared wasm memory, not a copy.
        expect(strip.data.buffer).toBeInstanceOf(SharedArrayBuffer);
        seen.add(strip.data.byteOffset);
        reader.give(strip.data);
      }
    } finally {
      reader.dispose();
      image.delete();
    }
    // Each strip given back before the next is read: the same slot every time.
    expect(seen.size).toBe(1);
    expect(pool.pooledBytes).toBe(0);
    await expectBackTo(vips.Stats.allocations, before);
  });

  it('copies strips into pool buffers once every slot is in use, with the same pixels, and takes slots back', () => {
    const width = 500;
    const rows = 16;
    const height = rows * 12;
    const image = noise(width, height, 3);
    const pool = new BufferPool();
    const reader = stripReader(vips, image, rows, pool);
    try {
      const strips = Array.from({ length: height / rows }, (_, i) => reader.read(i * rows, rows));
      const shared = strips.filter((s) => s.data.buffer instanceof SharedArrayBuffer);
      // Eight slots (strip-slots.ts), then copies into buffers of their own.
      expect(shared.length).toBe(8);
      expect(new Set(shared.map((s) => s.data.byteOffset)).size).toBe(8);
      for (const [i, strip] of strips.entries()) {
        const region = image.crop(0, i * rows, width, rows);
        expect(Buffer.compare(strip.data, region.writeToMemory() as Uint8Array), `strip ${i}`).toBe(0);
        region.delete();
      }
      for (const strip of strips) reader.give(strip.data);
      // The copies went to the pool, the slots back to the block: the next read takes a slot.
      expect(pool.pooledBytes).toBe(4 * width * rows * 3);
      const again = reader.read(0, rows);
      expect(again.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      reader.give(again.data);
    } finally {
      reader.dispose();
      image.delete();
    }
  });

  it('reports a broken input as an error of the read, not a crash', () => {
    const bytes = noise(300, 300, 3).jpegsaveBuffer({ Q: 80 });
    const truncated = vips.Image.newFromBuffer(bytes.subarray(0, bytes.length / 2), '', { access: 'sequential', fail_on: 'truncated' });
    const reader = stripReader(vips, truncated, 64, new BufferPool());
    try {
      expect(() => {
        for (let top = 0; top < 300; top += 64) reader.give(reader.read(top, Math.min(64, 300 - top)).data);
      }).toThrow(/truncated|premature|end of/i);
    } finally {
      reader.dispose();
      truncated.delete();
    }
  });
});

describe('the encoder pool', () => {
  const settings = { format: 'jpg' as const, quality: 85 };
  const base64 = (files: Uint8Array[]): string[] => files.map((t) => Buffer.from(t).toString('base64'));

  /** A pool of one encoder thread (a MessageChannel here), a 600x128 strip's pixels and its tiles encoded here. */
  async function withEncoderPool(use: (pool: PoolEncoder, data: Uint8Array, expected: Uint8Array[]) => Promise<void>): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    serveEncodeRequests(encodingVips(vips), port2 as unknown as PortLike);
    const image = noise(600, 128, 3);
    const data = image.writeToMemory() as Uint8Array;
    image.delete();
    try {
      const expected = encodeStripTiles(vips, { width: 600, height: 128, bands: 3, data: data.slice() }, 256, settings);
      await use(new PoolEncoder([port1 as unknown as PortLike]), data, expected);
    } finally {
      port1.close();
      port2.close();
    }
  }

  it('sends each strip to an encoder and gets the same buffer back, with the same tiles', () =>
    withEncoderPool(async (pool, data, expected) => {
      const strip = { width: 600, height: 128, bands: 3, data: data.slice() };
      const sent = strip.data;
      const tiles = await pool.stripTiles(strip, 256, settings);
      expect(base64(tiles)).toEqual(base64(expected));
      // Transferred there and back: a new object over the same pixels, ready for the next strip.
      expect(sent.byteLength).toBe(0);
      expect(strip.data.byteLength).toBe(data.byteLength);
      expect(Buffer.compare(strip.data, data)).toBe(0);
    }));

  it('posts a strip of shared memory as it is: the same tiles, and the strip still here', () =>
    withEncoderPool(async (pool, data, expected) => {
      const shared = new Uint8Array(new SharedArrayBuffer(data.byteLength + 64), 64, data.byteLength);
      shared.set(data);
      const strip = { width: 600, height: 128, bands: 3, data: shared };
      const tiles = await pool.stripTiles(strip, 256, settings);
      expect(base64(tiles)).toEqual(base64(expected));
      expect(strip.data).toBe(shared);
      expect(Buffer.compare(shared, data)).toBe(0);
    }));
});
