// Benchmark inputs. The shared sample is used as is; bigger inputs are generated from it with
// sharp once and cached outside the repo, so later runs reuse them.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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

/** The images of a batch folder, in name order. */
export function batchFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => join(dir, name));
}

/** "13000x7700, 100 Mpx" for a file; "16 images, 2000x1500 to 3200x2400, 80 Mpx" for a batch folder. */
export async function describeInput(input: string): Promise<string> {
  const files = statSync(input).isDirectory() ? batchFiles(input) : [input];
  const sizes = await Promise.all(files.map(imageSize));
  const mpx = (sizes.reduce((sum, s) => sum + s.width * s.height, 0) / 1e6).toFixed(0);
  const dims = (s: { width: number; height: number }): string => `${s.width}x${s.height}`;
  if (files.length === 1) return `${dims(sizes[0]!)}, ${mpx} Mpx`;
  const byArea = [...sizes].sort((a, b) => a.width * a.height - b.width * b.height);
  return `${files.length} images, ${dims(byArea[0]!)} to ${dims(byArea.at(-1)!)}, ${mpx} Mpx`;
}

export interface GrainyBatch {
  count: number;
  /** Sizes cycled through, [width, height]. */
  sizes: Array<[number, number]>;
  grain: number;
  quality: number;
}

/**
 * A folder of `count` photos of mixed sizes, as an archive's batch: crops of the source at
 * different places (so no two are alike), each resized with grain like grainyUpscale. Cached.
 */
export async function grainyBatch(source: string, spec: GrainyBatch): Promise<string> {
  const { count, sizes, grain, quality } = spec;
  const dir = join(benchCacheDir(), `batch-${count}-grain${grain}-q${quality}-${sizes.map(([w, h]) => `${w}x${h}`).join('_')}`);
  if (existsSync(dir)) return dir;
  process.stderr.write(`Generating ${dir} (once; later runs reuse it)...\n`);
  const partial = `${dir}.${process.pid}.partial`;
  mkdirSync(partial, { recursive: true });
  try {
    const { width: sw, height: sh } = await imageSize(source);
    for (let i = 0; i < count; i++) {
      const [width, height] = sizes[i % sizes.length]!;
      // A window of half the source, moved along a diagonal from image to image.
      const cw = Math.floor(sw / 2);
      const ch = Math.floor(sh / 2);
      const left = Math.floor(((sw - cw) * i) / Math.max(1, count - 1));
      const top = Math.floor(((sh - ch) * (count - 1 - i)) / Math.max(1, count - 1));
      const noise = { width: 1024, height: 1024, channels: 3 as const, background: '#808080', noise: { type: 'gaussian' as const, mean: 128, sigma: grain } };
      await sharp(source)
        .extract({ left, top, width: cw, height: ch })
        .resize(width, height, { fit: 'cover', kernel: 'lanczos3' })
        .composite([{ input: { create: noise }, blend: 'overlay', tile: true }])
        .jpeg({ quality, progressive: false })
        .toFile(join(partial, `photo-${String(i + 1).padStart(2, '0')}.jpg`));
    }
    renameSync(partial, dir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return dir;
}
