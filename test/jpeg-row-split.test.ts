// JPEG tiles cut from one encode of a whole row (restart markers) must decode to exactly the
// pixels of a tile-by-tile encode, for every tile size and quality, including rows that are
// not a whole number of MCUs high and tile sizes the trick cannot serve (then tile by tile).
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVips } from '../agent/lib/vips.ts';
import { encodeStripTiles } from '../shared/vips/encode.ts';
import { splitRowJpeg } from '../shared/vips/jpeg-restart-split.ts';
import type { Vips, VipsImage } from '../shared/vips/types.ts';

const KLEIBER = join(import.meta.dirname, '..', '..', 'shared', 'images', 'Kleiber_by_Lukas_Baubkus.jpg');

let vips: Vips;
let photo: VipsImage;
beforeAll(async () => {
  vips = await loadVips();
  // Enlarged so that a strip can be wider than one encode run (9000 px).
  const original = vips.Image.newFromFile(KLEIBER);
  photo = original.resize(1.6);
  original.delete();
});

async function decode(jpeg: Uint8Array) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** JPEG markers present in a file (the scan's stuffed bytes skipped). */
function markers(jpeg: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] !== 0x00 && jpeg[i + 1] !== 0xff) out.push(jpeg[i + 1]!);
  }
  return out;
}

describe('tiles cut from one JPEG of a row', () => {
  // [strip width, strip height, tile size, quality]
  const cases = [
    [1000, 256, 256, 85], // three full tiles and an edge tile
    [1024, 256, 256, 85], // an exact multiple: no edge tile
    [9000, 256, 256, 85], // 35 full tiles: encoded in runs of at most 2 Mpx (32 + 3 tiles)
    [1000, 77, 256, 85], // the bottom strip of an image, not a multiple of the MCU height
    [2000, 5, 256, 85], // a very short strip (one MCU row)
    [1024, 256, 256, 95], // Q >= 90: no chroma subsampling, 8x8 MCUs
    [700, 300, 128, 85],
    [1600, 512, 512, 90],
    [600, 200, 200, 85], // 200 is not a multiple of 16: tile by tile
    [300, 256, 256, 85], // one full tile only: tile by tile
  ] as const;
  for (const [width, height, tile, quality] of cases) {
    it(`${width}x${height}, ${tile} px tiles, Q${quality}: same pixels as tile by tile`, async () => {
      const crop = photo.crop(200, 900, width, height);
      const data = crop.writeToMemory() as Uint8Array;
      crop.delete();
      const tiles = encodeStripTiles(vips, { width, height, bands: 3, data }, tile, { format: 'jpg', quality });
      expect(tiles).toHaveLength(Math.ceil(width / tile));

      const strip = vips.Image.newFromMemory(data, width, height, 3, vips.BandFormat.uchar);
      const fullTiles = Math.floor(width / tile);
      const rowEncoded = fullTiles >= 2 && tile % (quality >= 90 ? 8 : 16) === 0;
      try {
        for (let i = 0; i < tiles.length; i++) {
          const x = i * tile;
          const w = Math.min(tile, width - x);
          const one = strip.crop(x, 0, w, height);
          const reference = one.jpegsaveBuffer({ Q: quality, optimize_coding: true, keep: 'none' });
          one.delete();
          const [got, want] = await Promise.all([decode(tiles[i]!), decode(reference)]);
          expect({ w: got.width, h: got.height, c: got.channels }).toEqual({ w, h: height, c: 3 });
          expect(Buffer.compare(got.data, want.data), `tile ${i} pixels`).toBe(0);
          // Full tiles come from the row encode (they carry DRI); the edge tile never does.
          const hasRestarts = markers(tiles[i]!).includes(0xdd);
          expect(hasRestarts, `tile ${i} restart markers`).toBe(rowEncoded && i < fullTiles);
          // Also readable by libvips itself (the wasm build the browser uses).
          const back = vips.Image.newFromBuffer(tiles[i]!);
          expect([back.width, back.height]).toEqual([w, height]);
          back.avg();
          back.delete();
        }
      } finally {
        strip.delete();
      }
    });
  }

  it('numbers the restart markers of each tile from RST0 and ends it with EOI', () => {
    const crop = photo.crop(0, 0, 1024, 256);
    const data = crop.writeToMemory() as Uint8Array;
    crop.delete();
    const [first, second] = encodeStripTiles(vips, { width: 1024, height: 256, bands: 3, data }, 256, { format: 'jpg', quality: 85 });
    for (const t of [first!, second!]) {
      const rst = markers(t).filter((m) => m >= 0xd0 && m <= 0xd7);
      // 16 MCU rows of 16 px: 15 restarts between them, RST0..RST7 then around again.
      expect(rst).toEqual(Array.from({ length: 15 }, (_, i) => 0xd0 + (i % 8)));
      expect([...t.subarray(0, 2)]).toEqual([0xff, 0xd8]);
      expect([...t.subarray(-2)]).toEqual([0xff, 0xd9]);
    }
  });

  it('refuses input that is not a row JPEG with matching restart markers', () => {
    expect(() => splitRowJpeg(new Uint8Array([1, 2, 3]), { tiles: 2, tileWidth: 256, height: 256 })).toThrow(/not a JPEG/);
    const img = vips.Image.black(512, 16, { bands: 3 });
    const plain = img.jpegsaveBuffer({ Q: 85 });
    img.delete();
    expect(() => splitRowJpeg(plain, { tiles: 2, tileWidth: 256, height: 16 })).toThrow(/restart interval/);
  });
});
