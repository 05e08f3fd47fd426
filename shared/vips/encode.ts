// Encoding of tiles and whole-level images with wasm-vips. The same function runs in the
// agent's main thread, its worker threads and the browser's workers, so bytes are identical.

import type { TileFormat } from '../options.ts';
import type { Pixels } from '../pyramid/pixels.ts';
import type { Vips, VipsImage } from './types.ts';

export interface EncodeSettings {
  format: TileFormat;
  quality: number;
}

function save(img: VipsImage, s: EncodeSettings): Uint8Array {
  switch (s.format) {
    case 'jpg':
      // optimize_coding and no metadata: the settings under which sharp's tiles are byte-identical.
      return img.jpegsaveBuffer({ Q: s.quality, optimize_coding: true, keep: 'none' });
    case 'webp':
      return img.webpsaveBuffer({ Q: s.quality, keep: 'none' });
    case 'png':
      return img.pngsaveBuffer({ compression: 6, keep: 'none' });
  }
}

/** Wrap raw pixels in a vips image (copied into wasm memory). */
export function imageFromPixels(vips: Vips, p: Pixels): VipsImage {
  const img = vips.Image.newFromMemory(p.data, p.width, p.height, p.bands, vips.BandFormat.uchar);
  return img;
}

/** Encode a whole pixel buffer as one image file (alpha flattened on white for JPEG). */
export function encodePixels(vips: Vips, p: Pixels, s: EncodeSettings): Uint8Array {
  const img = imageFromPixels(vips, p);
  const flat = s.format === 'jpg' && p.bands === 4 ? img.flatten({ background: [255, 255, 255] }) : undefined;
  try {
    return save(flat ?? img, s);
  } finally {
    flat?.delete();
    img.delete();
  }
}

/** Encode the tiles of one strip: columns of `tileWidth` (the last one narrower). */
export function encodeStripTiles(vips: Vips, strip: Pixels, tileWidth: number, s: EncodeSettings): Uint8Array[] {
  const img = imageFromPixels(vips, strip);
  const out: Uint8Array[] = [];
  try {
    for (let x = 0; x < strip.width; x += tileWidth) {
      const tile = img.crop(x, 0, Math.min(tileWidth, strip.width - x), strip.height);
      try {
        out.push(save(tile, s));
      } finally {
        tile.delete();
      }
    }
  } finally {
    img.delete();
  }
  return out;
}
