// Turn any decoded image into what tiles are cut from: 8-bit sRGB, upright, with alpha
// flattened on white for JPEG and kept (4 bands) for PNG and WebP. All steps stream, except
// EXIF rotation, which needs the whole image (vips decodes it once into memory).

import type { TileFormat } from '../options.ts';
import type { VipsImage } from './types.ts';

/** The EXIF orientation (1-8), 1 when absent. */
export function orientationOf(img: VipsImage): number {
  return img.getTypeof('orientation') ? img.getInt('orientation') : 1;
}

/** Width and height after EXIF orientation. */
export function uprightSize(img: VipsImage): { width: number; height: number } {
  const o = orientationOf(img);
  return o >= 5 && o <= 8 ? { width: img.height, height: img.width } : { width: img.width, height: img.height };
}

/**
 * Returns the normalised image and every intermediate created, for the caller to delete.
 * The input is not deleted.
 */
export function normalise(input: VipsImage, format: TileFormat): { image: VipsImage; created: VipsImage[] } {
  const created: VipsImage[] = [];
  let img = input;
  const step = (next: VipsImage): void => {
    created.push(next);
    img = next;
  };
  if (orientationOf(img) !== 1) step(img.autorot());
  // ICC-profiled images and CMYK go through a colour profile (CMYK without one through libvips'
  // built-in CMYK profile), perceptual intent as native libvips/sharp do; the rest through
  // vips' colourspace conversion (greyscale, 16-bit, Lab...).
  if (img.getTypeof('icc-profile-data') !== 0 || img.interpretation === 'cmyk') {
    try {
      step(img.iccTransform('srgb', { embedded: true, intent: 'perceptual', depth: 8 }));
    } catch {
      // A broken profile: fall back to the generic conversion rather than failing the image.
    }
  }
  if (img.interpretation !== 'srgb' || img.format !== 'uchar') step(img.colourspace('srgb'));
  if (img.format !== 'uchar') step(img.cast('uchar'));
  if (img.bands > 4) step(img.extractBand(0, { n: img.hasAlpha() ? 4 : 3 }));
  if (img.hasAlpha() && format === 'jpg') step(img.flatten({ background: [255, 255, 255] }));
  if (img.bands === 1) step(img.bandjoin([img, img]));
  return { image: img, created };
}
