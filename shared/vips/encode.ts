// Encoding of tiles and whole-level images with wasm-vips. The same function runs in the
// agent's main thread, its worker threads and the browser's workers, so bytes are identical.

import type { TileFormat } from '../options.ts';
import type { Pixels } from '../pyramid/pixels.ts';
import { restartInterval, splitRowJpeg, mcuOf } from './jpeg-restart-split.ts';
import type { Vips, VipsImage } from './types.ts';

export interface EncodeSettings {
  format: TileFormat;
  quality: number;
}

function save(img: VipsImage, s: EncodeSettings, restart_interval?: number): Uint8Array {
  switch (s.format) {
    case 'jpg':
      // Optimised Huffman tables (as sharp does: 3-15% smaller tiles) and no metadata.
      return img.jpegsaveBuffer({ Q: s.quality, optimize_coding: true, keep: 'none', ...(restart_interval ? { restart_interval } : {}) });
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

/** libvips' default chroma subsampling: 4:2:0 below Q 90, none from Q 90 up. */
function jpegMcu(s: EncodeSettings) {
  return s.quality >= 90 ? mcuOf(1, 1) : mcuOf(2, 2);
}

/**
 * Most pixels encoded as one row JPEG. With optimize_coding libjpeg keeps the row's
 * coefficients in one block, and wasm-vips' allocator (mimalloc) does not reuse a freed block
 * over about 16 MB for another size: whole rows of every level (27.6, 13.8, ... MB at 36000 px)
 * grew each encoding instance's wasm memory by about 250 MB. 2 Mpx (12 MB of coefficients
 * even without chroma subsampling) stays under that, at no measurable cost in speed.
 */
const ROW_JPEG_PIXELS = 2 ** 21;

/**
 * The strip's full-width tiles as JPEGs from encodes of whole runs of tiles (see
 * jpeg-restart-split.ts), or undefined where that does not apply (then tile by tile).
 */
function jpegRowTiles(img: VipsImage, tileWidth: number, s: EncodeSettings): Uint8Array[] | undefined {
  const tiles = Math.floor(img.width / tileWidth);
  const interval = restartInterval(tileWidth, jpegMcu(s));
  if (s.format !== 'jpg' || tiles < 2 || interval === undefined) return undefined;
  const perRun = Math.max(2, Math.floor(ROW_JPEG_PIXELS / (tileWidth * img.height)));
  const out: Uint8Array[] = [];
  for (let first = 0; first < tiles; first += perRun) {
    const n = Math.min(perRun, tiles - first);
    const run = n * tileWidth === img.width ? img : img.crop(first * tileWidth, 0, n * tileWidth, img.height);
    try {
      if (n === 1) out.push(save(run, s));
      else out.push(...splitRowJpeg(save(run, s, interval), { tiles: n, tileWidth, height: img.height }));
    } finally {
      if (run !== img) run.delete();
    }
  }
  return out;
}

/** Encode the tiles of one strip: columns of `tileWidth` (the last one narrower). */
export function encodeStripTiles(vips: Vips, strip: Pixels, tileWidth: number, s: EncodeSettings): Uint8Array[] {
  const img = imageFromPixels(vips, strip);
  const out: Uint8Array[] = [];
  try {
    const row = jpegRowTiles(img, tileWidth, s);
    if (row) out.push(...row);
    for (let x = out.length * tileWidth; x < strip.width; x += tileWidth) {
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
