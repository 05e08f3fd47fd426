// Tile one file from disk into a folder: the agent's adapter around shared/tile-image.ts.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import { type TileImageResult, type TileProgress, type TileEncoder, tileImage } from '../../shared/tile-image.ts';
import { ImageInputError, checkHead } from '../../shared/vips/errors.ts';
import type { Vips } from '../../shared/vips/types.ts';
import type { FileWriterPort } from './file-writer.ts';
import { FolderSink } from './folder-sink.ts';
import { ImageFile, decodeWhole } from './vips.ts';

/** Inputs up to this size are opened by name; bigger ones through ImageFile (see below). */
export const OPEN_BY_NAME_MAX_BYTES = 64 * 2 ** 20;

export interface TileJob {
  id: string;
  path: string;
  outDir: string;
  options: TileOptions;
  metadata?: ImageMetadata;
}

/** What a worker reports back: the result without the plan, and the time the tiling took. */
export type TileJobSummary = Omit<TileImageResult, 'plan'> & { seconds: number };

/** A file system error as the input error shown for that file. */
function cannotRead(err: unknown): ImageInputError {
  return new ImageInputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
}

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

export interface TileJobHelpers {
  onProgress?: (p: TileProgress) => void;
  encoder?: TileEncoder;
  /** Where the files are written (in place, on this thread, without one). */
  files?: FileWriterPort;
}

export async function runTileJob(vips: Vips, job: TileJob, helpers: TileJobHelpers = {}): Promise<TileJobSummary> {
  const { onProgress, encoder, files } = helpers;
  const started = performance.now();
  let stat;
  try {
    stat = statSync(job.path);
    if (!stat.isFile()) throw new ImageInputError('not a regular file');
    checkHead(readHead(job.path), stat.size, job.options.maxPixels);
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    throw cannotRead(err);
  }
  // Opened by name, libvips copies the whole file into wasm memory (~0.2 s for 28 MB); a big
  // one is read through a custom source instead, which costs a call into JavaScript per 4 KB
  // libvips reads (~30 ms more per 13000-px strip) but holds only a window of the file.
  let file: ImageFile | undefined;
  if (stat.size > OPEN_BY_NAME_MAX_BYTES) {
    try {
      file = new ImageFile(vips, job.path);
    } catch (err) {
      throw cannotRead(err);
    }
  }
  const sequential = { access: 'sequential', fail_on: 'error' } as const;
  const openSequential = () => (file ? file.open(sequential) : vips.Image.newFromFile(job.path, sequential));
  // Never libvips' own random access: see decodeWhole.
  const open = (access: 'sequential' | 'random') => (access === 'random' ? decodeWhole(vips, openSequential()) : openSequential());
  try {
    const sink = new FolderSink(job.outDir, files);
    const writer = await sink.begin(job.id);
    const { plan: _plan, ...summary } = await tileImage(
      vips,
      {
        id: job.id,
        sourceName: basename(job.path),
        sourceSize: stat.size,
        sourceModified: Math.round(stat.mtimeMs),
        open,
        options: job.options,
        metadata: job.metadata,
        onProgress,
        encoder,
      },
      writer,
    );
    return { ...summary, seconds: Math.round((performance.now() - started) / 10) / 100 };
  } finally {
    file?.close();
  }
}
