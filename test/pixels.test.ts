// The 2x2 shrink and the strip pyramid against a direct reference computed on whole images.
import { describe, expect, it } from 'vitest';
import { planImage } from '../shared/iiif/plan.ts';
import { type Pixels, allocPixels, crop, halve } from '../shared/pyramid/pixels.ts';
import { StripPyramid } from '../shared/pyramid/strip-pyramid.ts';
import { expectLevels, randomPixels } from './helpers/pyramid.ts';


/** Reference: each output pixel is the rounded mean of the 2x2 block, edges duplicated. */
function referenceHalve(src: Pixels): Pixels {
  const ow = Math.ceil(src.width / 2);
  const oh = Math.ceil(src.height / 2);
  const out = allocPixels(ow, oh, src.bands);
  const at = (x: number, y: number, c: number): number =>
    src.data[(Math.min(y, src.height - 1) * src.width + Math.min(x, src.width - 1)) * src.bands + c]!;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < src.bands; c++) {
        const sum = at(2 * x, 2 * y, c) + at(2 * x + 1, 2 * y, c) + at(2 * x, 2 * y + 1, c) + at(2 * x + 1, 2 * y + 1, c);
        out.data[(y * ow + x) * src.bands + c] = (sum + 2) >> 2;
      }
    }
  }
  return out;
}

describe('halve', () => {
  it.each([
    [1, 1, 3], [2, 2, 3], [3, 3, 3], [5, 1, 3], [1, 7, 4], [17, 9, 4], [256, 255, 3], [513, 2, 3],
    // RGB rows on a 4-byte boundary go 4 pixels at a time, and the last 0-3 pixels byte by byte.
    [4, 2, 3], [6, 4, 3], [7, 3, 3], [12, 5, 3], [1001, 4, 3], [1002, 3, 3],
  ])('%ix%i with %i bands matches the reference', (w, h, b) => {
    const src = randomPixels(w, h, b, w * 31 + h);
    expect(halve(src)).toEqual(referenceHalve(src));
  });

  it('gives the same bytes from rows that start off a 4-byte boundary (views at odd offsets)', () => {
    const src = randomPixels(40, 6, 3, 7);
    for (const offset of [1, 2, 3]) {
      const buffer = new Uint8Array(src.data.length + offset);
      buffer.set(src.data, offset);
      const view: Pixels = { ...src, data: buffer.subarray(offset) };
      expect(halve(view)).toEqual(referenceHalve(src));
    }
  });

  it('does not overflow between bytes of a word: white stays white, black black', () => {
    for (const value of [255, 0]) {
      const src = allocPixels(16, 4, 3);
      src.data.fill(value);
      expect([...halve(src).data].every((v) => v === value)).toBe(true);
    }
  });

  it('takes a band of rows as two stacked strips', () => {
    const src = randomPixels(33, 21, 3);
    const top = crop(src, 0, 0, 33, 12);
    const bottom = crop(src, 0, 12, 33, 9);
    expect(halve(top, bottom)).toEqual(referenceHalve(src));
  });

  it('keeps a flat colour flat (edges averaged with themselves)', () => {
    const src = allocPixels(5, 3, 3);
    src.data.fill(200);
    expect([...halve(src).data].every((v) => v === 200)).toBe(true);
  });
});

describe('strip pyramid', () => {
  it.each([
    [1, 1], [1, 70], [70, 1], [31, 32], [32, 32], [33, 33], [100, 37], [257, 129], [64, 200],
  ])('%ix%i: every level equals repeated halving of the whole image', async (W, H) => {
    const tileSize = 16;
    const plan = planImage({ width: W, height: H }, { tileSize, iiifVersion: 3, format: 'jpg', maxSize: 64 });
    const full = randomPixels(W, H, 3, W + H);
    const expected: Pixels[] = [full];
    while (expected.length < plan.levels.length) expected.push(referenceHalve(expected[expected.length - 1]!));

    const strips = new Map<number, Pixels[]>();
    const wholes = new Map<number, Pixels>();
    const pyramid = new StripPyramid(
      plan,
      {
        strip(level, row, px) {
          const list = strips.get(level) ?? [];
          expect(row).toBe(list.length);
          list.push({ ...px, data: px.data.slice() });
          strips.set(level, list);
        },
        whole(file, px) {
          wholes.set(file.level, px);
        },
      },
      3,
    );
    for (let top = 0; top < H; top += tileSize) await pyramid.push(crop(full, 0, top, W, Math.min(tileSize, H - top)));
    pyramid.finish();

    expectLevels(plan, expected, strips, wholes);
  });

  it('refuses a strip of the wrong size', async () => {
    const plan = planImage({ width: 40, height: 40 }, { tileSize: 16, iiifVersion: 3, format: 'jpg', maxSize: 64 });
    const pyramid = new StripPyramid(plan, { strip() {}, whole() {} }, 3);
    await expect(pyramid.push(randomPixels(40, 15, 3))).rejects.toThrow(/expected/);
    expect(() => pyramid.finish()).toThrow(/rows/);
  });
});
