// Benchmark inputs. The shared sample is used as is; bigger inputs are generated from it with
// sharp once and cached outside the repo, so later runs reuse them.

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export const KLEIBER = 'Kleiber_by_Lukas_Baubkus.jpg';

/** Where generated inputs are cached and where run outputs go. */
export function benchCacheDir(): string {
  const dir = join(tmpdir(), 'tessella-bench');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A test image from the shared folder beside the repo (never copied into it). */
export function sharedImage(repoRoot: string, name: string): string {
  const file = resolve(repoRoot, '..', 'shared', 'images', name);
  if (!existsSync(file)) throw new Error(`benchmark input not found: ${file} (the shared images folder must sit beside the repo)`);
  return file;
}

export interface GrainyUpscale {
  width: number;
  height: number;
  /** Standard deviation of the gaussian grain, 0-255 scale. */
  grain: number;
  quality: number;
}

/**
 * The source photo scaled (cover, centre crop) to width x height, with colour gaussian grain
 * blended in (overlay around mid-grey leaves the tones as they were) so the upscale is not smooth
 * and its tiles cost what a real photo's would, saved as a baseline JPEG. Cached by its parameters.
 */
export async function grainyUpscale(source: string, spec: GrainyUpscale): Promise<string> {
  const { width, height, grain, quality } = spec;
  const file = join(benchCacheDir(), `kleiber-${width}x${height}-grain${grain}-q${quality}.jpg`);
  if (existsSync(file)) return file;

  process.stderr.write(`Generating ${file} (once; later runs reuse it)...\n`);
  const partial = `${file}.${process.pid}.partial`;
  // A 1024 px grain tile repeated over the image: sharp refuses a generated input over its pixel
  // limit (the 0.9 Gpx case), and repeated grain is as costly to encode as fresh grain.
  const noise = { width: 1024, height: 1024, channels: 3 as const, background: '#808080', noise: { type: 'gaussian' as const, mean: 128, sigma: grain } };
  try {
    await sharp(source, { limitInputPixels: false })
      .resize(width, height, { fit: 'cover', kernel: 'lanczos3' })
      .composite([{ input: { create: noise }, blend: 'overlay', tile: true }])
      .jpeg({ quality, progressive: false })
      .toFile(partial);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return file;
}

export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(file, { limitInputPixels: false }).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}
