// `agent tile ... --out s3://BUCKET/PREFIX`: tile into a local work folder (kept, so a rerun
// skips what is done), publish each image as soon as it is complete, the collection last.

import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ConnectionOptions } from '../lib/s3-client.ts';
import { makeS3Client } from '../lib/s3-client.ts';
import { type SyncReport, runSync } from './sync.ts';
import { type TileEvent, type TileReport, type TileRunOptions, runTile } from './tile.ts';

export interface PublishOptions extends S3ConnectionOptions {
  concurrency: number;
  /** Where tiles are made before upload; default: a folder per destination under the temp dir. */
  workDir?: string;
}

export interface TileToS3Report extends TileReport {
  work_dir: string;
  published: { uploaded: number; skipped: number; failed: number; bytes: number };
}

export function defaultWorkDir(s3url: string): string {
  return join(tmpdir(), 'tessella-work', createHash('sha1').update(s3url).digest('hex').slice(0, 16));
}

export async function runTileToS3(
  inputs: string[],
  run: Omit<TileRunOptions, 'out'>,
  s3url: string,
  publish: PublishOptions,
  onEvent: (e: TileEvent) => void = () => undefined,
): Promise<TileToS3Report> {
  const workDir = publish.workDir ?? defaultWorkDir(s3url);
  const client = makeS3Client(publish);
  const totals = { uploaded: 0, skipped: 0, failed: 0, bytes: 0 };
  const add = (r: SyncReport): void => {
    totals.uploaded += r.totals.uploaded;
    totals.skipped += r.totals.skipped;
    totals.failed += r.totals.failed;
    totals.bytes += r.totals.bytes;
  };
  const publishErrors = new Map<string, string>();
  const pending: Promise<void>[] = [];
  const sync = (only: string[]) => runSync(workDir, s3url, { ...publish, client, delete: false, dryRun: false, only, baseUrl: run.options.baseUrl });

  const report = await runTile(inputs, { ...run, out: workDir }, (e) => {
    if (e.type === 'finished' && e.report.status !== 'failed') {
      const id = e.report.id;
      pending.push(
        sync([id]).then(
          (r) => {
            add(r);
            if (r.totals.failed > 0) publishErrors.set(id, `upload failed for ${r.totals.failed} object(s): ${r.failures[0]?.error ?? ''}`);
          },
          (err: Error) => void publishErrors.set(id, `upload failed: ${err.message}`),
        ),
      );
    }
    onEvent(e);
  });
  await Promise.all(pending);
  try {
    add(await sync(['collection.json']));
  } catch (err) {
    publishErrors.set('collection.json', (err as Error).message);
  }
  client.destroy();

  for (const image of report.images) {
    const error = publishErrors.get(image.id);
    if (error && image.status !== 'failed') {
      image.status = 'failed';
      image.error = error;
    }
  }
  report.totals.failed = report.images.filter((i) => i.status === 'failed').length + (publishErrors.has('collection.json') ? 1 : 0);
  report.totals.ok = report.images.filter((i) => i.status === 'ok').length;
  report.totals.skipped = report.images.filter((i) => i.status === 'skipped').length;
  return { ...report, work_dir: workDir, published: totals };
}
