// `agent tile`: the programmatic API behind the command. Expands inputs, skips images that
// are already complete, tiles the rest in a pool of worker threads, writes the collection.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { imageIdFor } from '../../shared/iiif/ids.ts';
import { type ImageMetadata, buildManifest, manifestIdFor, serviceIdFor } from '../../shared/iiif/manifest.ts';
import { planImage } from '../../shared/iiif/plan.ts';
import type { MetadataTable } from '../../shared/metadata.ts';
import type { TileOptions } from '../../shared/options.ts';
import { TOOL, jsonBytes, stampOptions } from '../../shared/tile-image.ts';
import { writeFileAtomic } from '../lib/atomic-file.ts';
import { writeCollection } from '../lib/collection.ts';
import { FolderSink } from '../lib/folder-sink.ts';
import { expandInputs } from '../lib/inputs.ts';
import { readImageHeader } from '../lib/validate-header.ts';
import { compileVips } from '../lib/compile-vips.ts';
import { TilePool } from '../lib/worker-pool.ts';

export interface TileRunOptions {
  out: string;
  options: TileOptions;
  jobs: number;
  /** Encoder threads shared by the images being tiled; 0 encodes in the decoding threads. Default: cores - 1, or 0 when every input is under 40 Mpx. */
  encoders?: number;
  force: boolean;
  metadata?: MetadataTable;
}

export type ImageStatus = 'ok' | 'skipped' | 'failed';

export interface ImageReport {
  id: string;
  source: string;
  status: ImageStatus;
  error: string | null;
  width: number | null;
  height: number | null;
  levels: number | null;
  tiles: number | null;
  bytes: number | null;
  seconds: number | null;
  info_url: string | null;
  manifest_url: string | null;
}

export interface TileReport {
  images: ImageReport[];
  totals: { images: number; ok: number; skipped: number; failed: number; tiles: number; bytes: number; seconds: number };
  collection_url: string;
}

/** Events for a progress display. */
export type TileEvent =
  | { type: 'planned'; total: number }
  | { type: 'start'; id: string; source: string }
  | { type: 'progress'; id: string; files: number; totalFiles: number }
  | { type: 'finished'; report: ImageReport };

interface Planned {
  id: string;
  path: string;
  error?: string;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Assign ids and catch the inputs that would collide on one. */
function planInputs(files: string[]): Planned[] {
  const byId = new Map<string, string[]>();
  const planned = files.map((path) => {
    const id = imageIdFor(path);
    byId.set(id, [...(byId.get(id) ?? []), path]);
    return { id, path } as Planned;
  });
  for (const p of planned) {
    const others = byId.get(p.id)!.filter((o) => o !== p.path);
    if (others.length > 0) p.error = `two inputs would both get the id "${p.id}" (also ${others.join(', ')}); rename one of them`;
  }
  return planned;
}

function emptyReport(id: string, source: string, status: ImageStatus, error: string | null): ImageReport {
  return { id, source, status, error, width: null, height: null, levels: null, tiles: null, bytes: null, seconds: null, info_url: null, manifest_url: null };
}

/** Rewrite a skipped image's manifest when its metadata changed, without retiling. */
function refreshManifest(out: string, id: string, width: number, height: number, options: TileOptions, metadata?: ImageMetadata): void {
  const plan = planImage({ width, height }, options);
  const manifest = buildManifest({ id, baseUrl: options.baseUrl, plan, version: options.iiifVersion, format: options.format, metadata });
  const file = resolve(out, id, 'manifest.json');
  const bytes = jsonBytes(manifest);
  const current = existsSync(file) ? readFileSync(file) : undefined;
  if (!current || Buffer.compare(current, bytes) !== 0) writeFileAtomic(file, bytes);
}

/** Below this, an encoder thread costs more to start (about a second of CPU) than it saves. */
const POOL_WORTH_PIXELS = 40_000_000;

/**
 * Encoder threads when --encoders is not given: one decoding thread and an encoder on every
 * other core, for images big enough to pay for an encoder's start. On 2 cores one encoder took
 * the 100 Mpx image from 7.0 to 5.5-6.0 s; on the 20 Mpx photo it was 0.25 s slower (medians of
 * 3), hence none for small inputs (headers read first; unknown headers count as big).
 */
function defaultEncoders(paths: string[]): number {
  const cores = availableParallelism();
  if (cores < 2) return 0;
  const big = paths.some((path) => {
    try {
      const size = readImageHeader(path);
      return !size || size.width * size.height >= POOL_WORTH_PIXELS;
    } catch {
      return false;
    }
  });
  return big ? cores - 1 : 0;
}

export async function runTile(inputs: string[], run: TileRunOptions, onEvent: (e: TileEvent) => void = () => undefined): Promise<TileReport> {
  const started = performance.now();
  const { options } = run;
  // Compiled (~50 ms) while the worker threads boot; every worker thread gets it.
  const compiled = compileVips();
  const sink = new FolderSink(run.out);
  sink.cleanStaging();
  const { files, unmatched } = expandInputs(inputs);
  const planned = planInputs(files);
  const reports: ImageReport[] = unmatched.map((u) => emptyReport(imageIdFor(u), u, 'failed', 'no such file, or no images found there'));
  onEvent({ type: 'planned', total: planned.length + unmatched.length });
  for (const r of reports) onEvent({ type: 'finished', report: r });

  const jobs = Math.max(1, Math.min(run.jobs, planned.length));
  const encoders = run.encoders ?? defaultEncoders(planned.map((p) => p.path));
  const pool = new TilePool(jobs, encoders, compiled);
  try {
    await compiled;
    await Promise.all(
      planned.map(async (p) => {
        const report = await tileOne(p, run, sink, pool, onEvent);
        reports.push(report);
        onEvent({ type: 'finished', report });
      }),
    );
  } finally {
    await pool.close();
  }

  const order = new Map([...unmatched, ...files].map((f, i) => [f, i]));
  reports.sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0));
  if (existsSync(run.out)) writeCollection(run.out, options.baseUrl);
  const count = (s: ImageStatus): number => reports.filter((r) => r.status === s).length;
  return {
    images: reports,
    totals: {
      images: reports.length,
      ok: count('ok'),
      skipped: count('skipped'),
      failed: count('failed'),
      tiles: reports.reduce((n, r) => n + (r.status === 'ok' ? (r.tiles ?? 0) : 0), 0),
      bytes: reports.reduce((n, r) => n + (r.status === 'ok' ? (r.bytes ?? 0) : 0), 0),
      seconds: Math.round((performance.now() - started) / 10) / 100,
    },
    collection_url: `${options.baseUrl}/collection.json`,
  };
}

async function tileOne(p: Planned, run: TileRunOptions, sink: FolderSink, pool: TilePool, onEvent: (e: TileEvent) => void): Promise<ImageReport> {
  const { options } = run;
  if (p.error) return emptyReport(p.id, p.path, 'failed', p.error);
  const urls = { info_url: `${serviceIdFor(options.baseUrl, p.id)}/info.json`, manifest_url: manifestIdFor(options.baseUrl, p.id) };
  const metadata = run.metadata?.lookup(p.id, basename(p.path));

  if (!run.force) {
    const stamp = sink.readStamp(p.id);
    let stat;
    try {
      stat = statSync(p.path);
    } catch {
      stat = undefined;
    }
    if (
      stamp &&
      stat &&
      stamp.tool === TOOL &&
      stamp.source.name === basename(p.path) &&
      stamp.source.size === stat.size &&
      stamp.source.modified === Math.round(stat.mtimeMs) &&
      sameJson(stamp.options, stampOptions(options))
    ) {
      refreshManifest(run.out, p.id, stamp.width, stamp.height, options, metadata);
      return { id: p.id, source: p.path, status: 'skipped', error: null, width: stamp.width, height: stamp.height, levels: stamp.levels, tiles: stamp.files, bytes: stamp.bytes, seconds: 0, ...urls };
    }
  }

  onEvent({ type: 'start', id: p.id, source: p.path });
  try {
    const r = await pool.run({ id: p.id, path: p.path, outDir: resolve(run.out), options, metadata }, (prog) =>
      onEvent({ type: 'progress', id: p.id, files: prog.files, totalFiles: prog.totalFiles }),
    );
    return { id: p.id, source: p.path, status: 'ok', error: null, width: r.width, height: r.height, levels: r.levels, tiles: r.files, bytes: r.bytes, seconds: r.seconds, ...urls };
  } catch (err) {
    return emptyReport(p.id, p.path, 'failed', err instanceof Error ? err.message : String(err));
  }
}
