// Inputs that trip up tilers: EXIF rotation, CMYK, 16-bit, alpha, greyscale, ICC profiles.
// Written with sharp (native libvips), so the reference decoding is independent of wasm-vips.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

/** A smooth but non-trivial RGB test pattern (gradients plus a few hard edges). */
export function pattern(width: number, height: number, channels: 3 | 4 = 3): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      buf[i] = Math.round((255 * x) / Math.max(1, width - 1));
      buf[i + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      buf[i + 2] = ((x >> 5) + (y >> 5)) % 2 ? 200 : 40;
      if (channels === 4) buf[i + 3] = x < width / 2 ? 255 : Math.round((255 * y) / Math.max(1, height - 1));
    }
  }
  return buf;
}

export function raw(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  return sharp(pattern(width, height, channels), { raw: { width, height, channels } });
}

export interface OddImage {
  name: string;
  file: string;
  /** Upright size: what info.json must say. */
  width: number;
  height: number;
  /** Whether tiles should keep an alpha channel when the output format supports it. */
  alpha: boolean;
}

export async function writeOddImages(dir: string): Promise<OddImage[]> {
  mkdirSync(dir, { recursive: true });
  const W = 600;
  const H = 400;
  const out: OddImage[] = [];
  const add = async (name: string, img: Sharp, size: [number, number] = [W, H], alpha = false): Promise<void> => {
    const file = join(dir, name);
    await img.toFile(file);
    out.push({ name, file, width: size[0], height: size[1], alpha });
  };
  // EXIF orientation 6: stored 600x400, displayed rotated 90° clockwise, 400x600.
  await add('exif-rotated.jpg', raw(W, H).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }), [H, W]);
  await add('exif-flipped.jpg', raw(W, H).jpeg({ quality: 95 }).withMetadata({ orientation: 3 }));
  await add('cmyk.jpg', raw(W, H).toColourspace('cmyk').jpeg({ quality: 95 }));
  await add('rgb16.png', raw(W, H).toColourspace('rgb16').png());
  await add('grey16.png', raw(W, H).toColourspace('grey16').png());
  await add('alpha.png', raw(W, H, 4).png(), [W, H], true);
  await add('grey.jpg', raw(W, H).greyscale().jpeg({ quality: 95 }));
  await add('grey-alpha.png', raw(W, H, 4).greyscale().png(), [W, H], true);
  await add('p3-profile.jpg', raw(W, H).withIccProfile('p3').jpeg({ quality: 95 }));
  await add('tiled.tif', raw(W, H).tiff({ tile: true, tileWidth: 128, tileHeight: 128, compression: 'deflate' }));
  await add('input.webp', raw(W, H).webp({ quality: 95 }));
  await add('progressive.jpg', raw(W, H).jpeg({ quality: 95, progressive: true }));
  await add('interlaced.png', raw(W, H).png({ progressive: true }));
  return out;
}

/** The reference: what the upright 8-bit sRGB pixels of a file are, decoded by native libvips. */
export async function referencePixels(file: string, flattenAlpha: boolean): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  let img = sharp(file).rotate().toColourspace('srgb');
  if (flattenAlpha) img = img.flatten({ background: '#ffffff' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
