// Tile one file from disk into a folder: the agent's adapter around shared/tile-image.ts.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import { type TileImageResult, type TileProgress, type TileEncoder, tileImage } from '../../shared/tile-image.ts';
import { ImageInputError, checkHead } from '../../shared/vips/errors.ts';
import type { Vips } from '../../shared/vips/types.ts';
import { FolderSink } from './folder-sink.ts';

export interface TileJob {
  id: string;
  path: string;
  outDir: string;
  options: TileOptions;
  metadata?: ImageMetadata;
}

/** What a worker reports back: the result without the plan, and the time the tiling took. */
export type TileJobSummary = Omit<TileImageResult, 'plan'> & { seconds: number };

function readHead(path: string, bytes = 64): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export async function runTileJob(vips: Vips, job: TileJob, onProgress?: (p: TileProgress) => void, encoder?: TileEncoder): Promise<TileJobSummary> {
  const started = performance.now();
  let stat;
  try {
    stat = statSync(job.path);
    if (!stat.isFile()) throw new ImageInputError('not a regular file');
    checkHead(readHead(job.path), stat.size, job.options.maxPixels);
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    throw new ImageInputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const sink = new FolderSink(job.outDir);
  const writer = await sink.begin(job.id);
  const { plan: _plan, ...summary } = await tileImage(
    vips,
    {
      id: job.id,
      sourceName: basename(job.path),
      sourceSize: stat.size,
      sourceModified: Math.round(stat.mtimeMs),
      open: (access) => vips.Image.newFromFile(job.path, { access, fail_on: 'error' }),
      options: job.options,
      metadata: job.metadata,
      onProgress,
      encoder,
    },
    writer,
  );
  return { ...summary, seconds: Math.round((performance.now() - started) / 10) / 100 };
}
