// The strip pyramid shrinks each strip as it arrives: the same levels for odd tile heights
// (rows pair across strips), and every strip is handed on before the next one comes in.
import { describe, expect, it } from 'vitest';
import { planImage } from '../shared/iiif/plan.ts';
import { type Pixels, crop, halve } from '../shared/pyramid/pixels.ts';
import { StripPyramid } from '../shared/pyramid/strip-pyramid.ts';
import { expectLevels, randomPixels } from './helpers/pyramid.ts';


describe('strip pyramid, strip by strip', () => {
  it.each([
    [17, 100, 37], [17, 35, 35], [17, 300, 171], [19, 19, 40], [16, 257, 129], [21, 1, 90],
  ])('tile %i, %ix%i: every level equals halving the whole level above', async (tileSize, W, H) => {
    const plan = planImage({ width: W, height: H }, { tileSize, iiifVersion: 3, format: 'jpg', maxSize: 64 });
    const bands = 4;
    const full = randomPixels(W, H, bands, W * 7 + H);
    const expected: Pixels[] = [full];
    while (expected.length < plan.levels.length) expected.push(halve(expected[expected.length - 1]!));

    const strips = new Map<number, Pixels[]>();
    const wholes = new Map<number, Pixels>();
    let pushed = 0;
    const pyramid = new StripPyramid(
      plan,
      {
        strip(level, row, px) {
          const list = strips.get(level) ?? [];
          expect(row).toBe(list.length);
          // A full-resolution strip goes on for tiling before the next one is pushed.
          if (level === 0) expect(row).toBe(pushed - 1);
          list.push({ ...px, data: px.data.slice() });
          // The consumer may take the buffer away: the pyramid must not read it afterwards.
          px.data.fill(0);
          strips.set(level, list);
        },
        whole(file, px) {
          wholes.set(file.level, { ...px, data: px.data.slice() });
        },
      },
      bands,
    );
    for (let top = 0; top < H; top += tileSize) {
      pushed++;
      await pyramid.push(crop(full, 0, top, W, Math.min(tileSize, H - top)));
    }
    pyramid.finish();

    expectLevels(plan, expected, strips, wholes);
  });
});
