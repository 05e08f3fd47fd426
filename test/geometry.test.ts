// Geometry against the Image API formulas, written out independently here, for the odd sizes.
import { describe, expect, it } from 'vitest';
import {
  type ImageSize,
  levelTiles,
  maxPath,
  pyramidLevels,
  regionSegment,
  scaleFactors,
  sizePath,
  sizeSegment,
  tileGeometry,
  tilePath,
} from '../shared/iiif/geometry.ts';
import { planImage, planPaths } from '../shared/iiif/plan.ts';

const T = 256;
const tile = { width: T, height: T };
const SIZES: Array<[number, number]> = [
  [1, 1], [1, 300], [1, 1000], [300, 1], [1000, 1], [T - 1, T - 1], [T, T], [T + 1, T + 1], [T, T + 1],
  [2 * T, 2 * T], [4 * T, 3 * T], [4 * T + 1, 3 * T - 1], [1000, 700], [6028, 3391], [20000, 40], [40, 20000], [12345, 6789],
];

describe('scale factors', () => {
  it.each(SIZES)('%ix%i: powers of two, no gaps, the last fits one tile and the one before does not', (w, h) => {
    const f = scaleFactors({ width: w, height: h }, tile);
    f.forEach((s, i) => expect(s).toBe(2 ** i));
    const last = f[f.length - 1]!;
    expect(Math.ceil(w / last)).toBeLessThanOrEqual(T);
    expect(Math.ceil(h / last)).toBeLessThanOrEqual(T);
    if (f.length > 1) {
      const before = f[f.length - 2]!;
      expect(Math.ceil(w / before) > T || Math.ceil(h / before) > T).toBe(true);
    }
  });

  it('rejects non-positive sizes', () => {
    expect(() => scaleFactors({ width: 0, height: 5 }, tile)).toThrow(RangeError);
    expect(() => scaleFactors({ width: 5, height: 5 }, { width: 0, height: 5 })).toThrow(RangeError);
  });
});

describe('tiles follow the spec formulas', () => {
  it.each(SIZES)('%ix%i', (W, H) => {
    const image: ImageSize = { width: W, height: H };
    for (const level of pyramidLevels(image, tile)) {
      const s = level.scale;
      expect(level.width).toBe(Math.ceil(W / s));
      expect(level.height).toBe(Math.ceil(H / s));
      let count = 0;
      let area = 0;
      for (let m = 0; m * T * s < H; m++) {
        for (let n = 0; n * T * s < W; n++) {
          const t = tileGeometry(image, tile, level, n, m);
          const xr = n * T * s;
          const yr = m * T * s;
          const wr = Math.min(T * s, W - xr);
          const hr = Math.min(T * s, H - yr);
          expect([t.x, t.y, t.w, t.h]).toEqual([xr, yr, wr, hr]);
          expect([t.sizeWidth, t.sizeHeight]).toEqual([Math.ceil(wr / s), Math.ceil(hr / s)]);
          count++;
          area += t.sizeWidth * t.sizeHeight;
        }
      }
      expect(count).toBe(level.columns * level.rows);
      expect([...levelTiles(image, tile, level)]).toHaveLength(count);
      // Tiles cover the level exactly.
      expect(area).toBe(level.width * level.height);
    }
  });
});

describe('URL segments as viewers write them', () => {
  const image = { width: 1000, height: 700 };
  it('region is full only for the whole image', () => {
    expect(regionSegment(image, { x: 0, y: 0, w: 1000, h: 700 })).toBe('full');
    expect(regionSegment(image, { x: 0, y: 0, w: 512, h: 512 })).toBe('0,0,512,512');
  });
  it('v3 size: max for the full size, else w,h', () => {
    expect(sizeSegment(3, image, 1000, 700)).toBe('max');
    expect(sizeSegment(3, image, 250, 175)).toBe('250,175');
  });
  it('v2 size: full at the full width (narrow images too), else w,', () => {
    expect(sizeSegment(2, image, 1000, 256)).toBe('full');
    expect(sizeSegment(2, image, 250, 175)).toBe('250,');
  });
  it('sizes and max paths', () => {
    expect(sizePath(3, { width: 250, height: 175 }, 'jpg')).toBe('full/250,175/0/default.jpg');
    expect(sizePath(2, { width: 250, height: 175 }, 'jpg')).toBe('full/250,/0/default.jpg');
    expect(maxPath(3, 'webp')).toBe('full/max/0/default.webp');
    expect(maxPath(2, 'jpg')).toBe('full/full/0/default.jpg');
  });
  it('a v2 narrow image asks for size full on full-width tiles', () => {
    const narrow = { width: 200, height: 1000 };
    const level0 = pyramidLevels(narrow, tile)[0]!;
    expect(tilePath(2, narrow, tileGeometry(narrow, tile, level0, 0, 1), 'jpg')).toBe('0,256,200,256/full/0/default.jpg');
    expect(tilePath(3, narrow, tileGeometry(narrow, tile, level0, 0, 1), 'jpg')).toBe('0,256,200,256/200,256/0/default.jpg');
  });
  it('a level smaller than one tile is asked for as a full region', () => {
    const img = { width: 1000, height: 700 };
    const levels = pyramidLevels(img, tile);
    const top = levels[levels.length - 1]!;
    expect(tilePath(3, img, tileGeometry(img, tile, top, 0, 0), 'jpg')).toBe('full/250,175/0/default.jpg');
    expect(tilePath(2, img, tileGeometry(img, tile, top, 0, 0), 'jpg')).toBe('full/250,/0/default.jpg');
  });
  it('an image that fits one tile is full/max (v3) and full/full (v2)', () => {
    const img = { width: 200, height: 100 };
    const level = pyramidLevels(img, tile)[0]!;
    expect(tilePath(3, img, tileGeometry(img, tile, level, 0, 0), 'jpg')).toBe('full/max/0/default.jpg');
    expect(tilePath(2, img, tileGeometry(img, tile, level, 0, 0), 'jpg')).toBe('full/full/0/default.jpg');
  });
});

describe('plan', () => {
  const base = { tileSize: T, format: 'jpg' as const, maxSize: 4096 };
  it.each(SIZES)('%ix%i: sizes are exact ceil sizes, smallest first, every path planned once', (W, H) => {
    for (const iiifVersion of [3, 2] as const) {
      const plan = planImage({ width: W, height: H }, { ...base, iiifVersion });
      const paths = [...planPaths(plan, { iiifVersion, format: 'jpg' })];
      expect(new Set(paths).size).toBe(paths.length);
      expect(paths.length).toBe(plan.fileCount);
      expect(paths).toContain(maxPath(iiifVersion, 'jpg'));
      for (const s of plan.sizes) {
        expect(plan.levels.some((l) => l.width === s.width && l.height === s.height)).toBe(true);
        expect(paths).toContain(sizePath(iiifVersion, s, 'jpg'));
      }
      const widths = plan.sizes.map((s) => s.width);
      expect([...widths].sort((a, b) => a - b)).toEqual(widths);
    }
  });

  it('caps full/max at the largest level within max-size', () => {
    const plan = planImage({ width: 10000, height: 3000 }, { ...base, iiifVersion: 3, maxSize: 4096 });
    expect(plan.max).toEqual({ level: 2, width: 2500, height: 750, capped: true });
    expect(plan.sizes.every((s) => s.width <= 4096 && s.height <= 4096)).toBe(true);
    expect(plan.sizes[plan.sizes.length - 1]).toEqual({ width: 2500, height: 750 });
  });

  it('v2 1-pixel-wide images list one size per distinct path, the largest', () => {
    const plan = planImage({ width: 1, height: 300 }, { ...base, iiifVersion: 2 });
    expect(plan.sizes).toEqual([{ width: 1, height: 300 }]);
    const paths = [...planPaths(plan, { iiifVersion: 2, format: 'jpg' })];
    expect(paths).toContain('full/full/0/default.jpg');
    expect(paths).toContain('0,256,1,44/full/0/default.jpg');
  });
});
