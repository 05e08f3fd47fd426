// Pixels: tiles and whole-image files against the source decoded by native libvips (sharp),
// for a real photograph at every level and for the inputs that trip tilers up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelTiles, pyramidLevels, tilePath } from '../shared/iiif/geometry.ts';
import { type OddImage, referencePixels, writeOddImages } from './helpers/odd-images.ts';
import { psnr } from './helpers/psnr.ts';
import { tileInProcess } from './helpers/tile-in-process.ts';

const SHARED = resolve(__dirname, '..', '..', 'shared');
const KLEIBER = join(SHARED, 'images', 'Kleiber_by_Lukas_Baubkus.jpg');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-fidelity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function decode(file: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('a real photograph', () => {
  it('every level matches the source region resized, tile by tile', async () => {
    const out = join(dir, 'photo');
    const r = await tileInProcess(KLEIBER, out);
    expect([r.width, r.height]).toEqual([6028, 3391]);
    const image = { width: r.width, height: r.height };
    const tile = { width: 256, height: 256 };
    const src = sharp(KLEIBER);
    for (const level of pyramidLevels(image, tile)) {
      // A handful of tiles per level: the first, the last (edges) and one in the middle.
      const tiles = [...levelTiles(image, tile, level)];
      const picks = [tiles[0]!, tiles[tiles.length - 1]!, tiles[Math.floor(tiles.length / 2)]!];
      for (const t of picks) {
        const file = join(out, 'Kleiber_by_Lukas_Baubkus', tilePath(3, image, t, 'jpg'));
        const got = await decode(file);
        expect([got.width, got.height]).toEqual([t.sizeWidth, t.sizeHeight]);
        const want = await src
          .clone()
          .extract({ left: t.x, top: t.y, width: t.w, height: t.h })
          .resize(t.sizeWidth, t.sizeHeight, { fit: 'fill', kernel: 'cubic' })
          .raw()
          .toBuffer();
        const db = psnr(got.data, want, got.channels, 3, t.sizeWidth * t.sizeHeight);
        // JPEG Q85 at full resolution; box-filtered pyramid against a cubic resize below it.
        expect(db, `level ${level.index} tile ${t.column},${t.row}`).toBeGreaterThan(level.index === 0 ? 36 : 28);
      }
    }
  });
});

describe('awkward inputs become upright 8-bit sRGB', () => {
  let images: OddImage[];
  beforeAll(async () => {
    images = await writeOddImages(join(dir, 'odd'));
  }, 60_000);

  it('writes the test inputs', () => {
    expect(images.length).toBeGreaterThan(10);
  });

  for (const format of ['jpg', 'png'] as const) {
    it(`as ${format}: info.json size is the upright size and full/max matches the source`, async () => {
      for (const img of images) {
        const out = join(dir, `odd-${format}`);
        const r = await tileInProcess(img.file, out, { format });
        expect([r.width, r.height], img.name).toEqual([img.width, img.height]);
        const id = img.name.replace(/\.[^.]+$/, '');
        const info = JSON.parse(readFileSync(join(out, id, 'info.json'), 'utf8'));
        expect([info.width, info.height], img.name).toEqual([img.width, img.height]);
        const got = await decode(join(out, id, `full/max/0/default.${format}`));
        expect([got.width, got.height], img.name).toEqual([img.width, img.height]);
        const keepsAlpha = format === 'png' && img.alpha;
        expect(got.channels, img.name).toBe(keepsAlpha ? 4 : 3);
        const want = await referencePixels(img.file, !keepsAlpha);
        const db = psnr(got.data, want.data, got.channels, want.channels, img.width * img.height);
        expect(db, img.name).toBeGreaterThan(format === 'png' ? 40 : 30);
      }
    });
  }
});
