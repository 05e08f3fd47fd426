// Encoders copy pixels into one reused block of wasm memory: the same bytes as the copying
// path, a fallback when an earlier image is still alive, and no wasm memory growth from
// strips of changing sizes (which is what the copying path suffers from).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVips } from '../agent/lib/vips.ts';
import { encodingVips, wasmMemoryOf } from '../shared/vips/wasm-memory.ts';
import type { Pixels } from '../shared/pyramid/pixels.ts';
import { encodePixels, encodeStripTiles } from '../shared/vips/encode.ts';
import type { Vips } from '../shared/vips/types.ts';
import { pattern } from './helpers/odd-images.ts';
import { BufferPool } from '../shared/pyramid/buffer-pool.ts';
import { slotAddress } from '../shared/vips/strip-slots.ts';
import { stripReader } from '../shared/vips/strip-reader.ts';

let vips: Vips;
let resident: Vips;
beforeAll(async () => {
  vips = await loadVips();
  resident = encodingVips(vips);
});

const pixels = (width: number, height: number, bands: 3 | 4 = 3): Pixels => ({
  width,
  height,
  bands,
  data: new Uint8Array(pattern(width, height, bands)),
});

const same = (a: Uint8Array[], b: Uint8Array[]): boolean =>
  a.length === b.length && a.every((f, i) => Buffer.from(f).equals(Buffer.from(b[i]!)));

describe('resident pixels', () => {
  it('encodes the same bytes as the copying path, strip after strip of changing sizes', () => {
    expect(wasmMemoryOf(vips)).toBeInstanceOf(WebAssembly.Memory);
    expect(resident).not.toBe(vips);
    for (const format of ['jpg', 'webp', 'png'] as const) {
      for (const [width, height] of [[1000, 256], [300, 256], [1301, 97], [1000, 256]] as const) {
        const strip = pixels(width, height);
        const settings = { format, quality: 80 };
        expect(same(encodeStripTiles(resident, strip, 256, settings), encodeStripTiles(vips, strip, 256, settings)), `${format} ${width}x${height}`).toBe(true);
      }
      const rgba = pixels(700, 300, 4);
      const settings = { format, quality: 80 };
      expect(same([encodePixels(resident, rgba, settings)], [encodePixels(vips, rgba, settings)]), `${format} whole rgba`).toBe(true);
    }
  });

  it('copies instead while an earlier image is still alive', () => {
    const a = pixels(64, 32);
    const b = pixels(64, 32);
    b.data.reverse();
    const first = resident.Image.newFromMemory(a.data, a.width, a.height, 3, resident.BandFormat.uchar);
    const second = resident.Image.newFromMemory(b.data, b.width, b.height, 3, resident.BandFormat.uchar);
    try {
      expect(Buffer.from(first.writeToMemory() as Uint8Array).equals(Buffer.from(a.data))).toBe(true);
      expect(Buffer.from(second.writeToMemory() as Uint8Array).equals(Buffer.from(b.data))).toBe(true);
    } finally {
      second.delete();
      first.delete();
    }
  });

  it('keeps wasm memory flat over strips of every pyramid level', () => {
    const memory = wasmMemoryOf(vips)!;
    // Strips of a 36000 px wide image; below about 16 MB the allocator does reuse blocks.
    const levels = [36000, 18000, 9000, 4500].map((w) => ({ width: w, height: 256, bands: 3, data: new Uint8Array(w * 256 * 3).fill(w & 255) }));
    const cycle = (v: Vips): void => {
      for (let round = 0; round < 4; round++) {
        for (const p of levels) v.Image.newFromMemory(p.data, p.width, p.height, 3, v.BandFormat.uchar).delete();
      }
    };
    cycle(resident);
    const before = memory.buffer.byteLength;
    cycle(resident);
    cycle(resident);
    expect(memory.buffer.byteLength).toBe(before);
  });

  it('wraps a strip slot of its own memory where it lies, with the same bytes, and keeps memory flat', () => {
    const memory = wasmMemoryOf(vips)!;
    const source = vips.Image.newFromMemory(pattern(1301, 256 * 3, 3), 1301, 256 * 3, 3, vips.BandFormat.uchar);
    const reader = stripReader(vips, source, 256, new BufferPool());
    try {
      const settings = { format: 'jpg' as const, quality: 80 };
      let before = 0;
      for (let top = 0; top < 256 * 3; top += 256) {
        const strip = reader.read(top, 256);
        expect(slotAddress(memory, strip.data)).toBe(strip.data.byteOffset);
        const copy = { ...strip, data: strip.data.slice() };
        expect(same(encodeStripTiles(resident, strip, 256, settings), encodeStripTiles(vips, copy, 256, settings))).toBe(true);
        // Encoding from the slot leaves it as it was.
        expect(Buffer.compare(strip.data, copy.data)).toBe(0);
        reader.give(strip.data);
        if (top === 0) before = memory.buffer.byteLength;
      }
      expect(memory.buffer.byteLength).toBe(before);
    } finally {
      reader.dispose();
      source.delete();
    }
  });
});
