// Shared by the pyramid tests: random pixels, and the check that a pyramid's strips and whole
// levels equal a reference computed by halving whole levels.
import { expect } from 'vitest';
import type { ImagePlan } from '../../shared/iiif/plan.ts';
import { type Pixels, allocPixels } from '../../shared/pyramid/pixels.ts';

export function randomPixels(width: number, height: number, bands: number, seed = 1): Pixels {
  const p = allocPixels(width, height, bands);
  let x = seed;
  for (let i = 0; i < p.data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    p.data[i] = x >>> 24;
  }
  return p;
}

/**
 * Every tiled level's strips, joined, equal the reference level (each strip one tile high, the
 * last shorter); untiled levels have no strips; whole levels equal the reference, others are absent.
 */
export function expectLevels(plan: ImagePlan, expected: Pixels[], strips: Map<number, Pixels[]>, wholes: Map<number, Pixels>): void {
  for (const level of plan.levels) {
    const want = expected[level.index]!;
    expect([want.width, want.height]).toEqual([level.width, level.height]);
    if (plan.tiledLevels.has(level.index)) {
      const list = strips.get(level.index)!;
      expect(list).toHaveLength(level.rows);
      const joined = new Uint8Array(list.reduce((n, s) => n + s.data.length, 0));
      let o = 0;
      for (const s of list) {
        expect(s.height).toBe(Math.min(plan.tile.height, level.height - o / (level.width * want.bands)));
        joined.set(s.data, o);
        o += s.data.length;
      }
      expect(joined).toEqual(want.data);
    } else {
      expect(strips.has(level.index)).toBe(false);
    }
    const whole = wholes.get(level.index);
    if (plan.wholeLevels.some((w) => w.level === level.index)) expect(whole?.data).toEqual(want.data);
    else expect(whole).toBeUndefined();
  }
}
