// Test images written with sharp: awkward sizes with non-trivial content (gradient plus noise),
// so that a wrong region or a level one pixel off changes the pixels. Add new generators as
// small exported functions that write one file and return its path.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface Size {
  width: number;
  height: number;
}

/** Sizes that stress tile edges: 1-pixel images, one either side of the tile size, very wide and very tall. */
export const AWKWARD_SIZES: Size[] = [
  { width: 1, height: 1 },
  { width: 1, height: 300 },
  { width: 300, height: 1 },
  { width: 255, height: 255 },
  { width: 256, height: 256 },
  { width: 257, height: 257 },
  { width: 512, height: 512 },
  { width: 1000, height: 700 },
  { width: 5000, height: 40 },
  { width: 40, height: 3000 },
];

export function makeTempDir(prefix = 'tessella-images-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Deterministic pseudo-random bytes (xorshift32), so the same image is written every run. */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) & 0xff;
  };
}

/** RGB pixels: red grows left to right, green top to bottom, blue is noise. */
export function gradientPixels(width: number, height: number, seed = 1): Buffer {
  const rand = noise(seed + width * 31 + height);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = width > 1 ? Math.round((255 * x) / (width - 1)) : 128;
      pixels[i + 1] = height > 1 ? Math.round((255 * y) / (height - 1)) : 128;
      pixels[i + 2] = rand();
    }
  }
  return pixels;
}

export type SourceFormat = 'png' | 'jpg';

/** Write a gradient-plus-noise image named `<name>.<format>` into dir and return its path. */
export async function writeGradientImage(dir: string, name: string, size: Size, format: SourceFormat = 'png'): Promise<string> {
  const file = join(dir, `${name}.${format}`);
  const img = sharp(gradientPixels(size.width, size.height), { raw: { width: size.width, height: size.height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
  return file;
}

/** File stem used for a size: `img-<w>x<h>`. */
export function sizeName(size: Size): string {
  return `img-${size.width}x${size.height}`;
}

/** Write one image per size into dir; returns the paths in the same order. */
export async function writeSizeSet(dir: string, sizes: Size[] = AWKWARD_SIZES, format: SourceFormat = 'png'): Promise<string[]> {
  const paths: string[] = [];
  for (const size of sizes) paths.push(await writeGradientImage(dir, sizeName(size), size, format));
  return paths;
}
