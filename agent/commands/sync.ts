// `agent sync DIR s3://BUCKET/PREFIX`: publish an output folder incrementally. Plans by listing
// the remote and comparing size and MD5/ETag, uploads what differs with retries and
// verification, optionally deletes what is gone locally, rewrites JSON to --base-url.

import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { planSync } from '../../shared/sync/plan.ts';
import { type SourceFile, prepareObjects } from '../../shared/sync/prepare.ts';
import type { RemoteObject } from '../../shared/sync/objects.ts';
import { type ObjectStore, type S3Target, type SyncProgress, executeSync, listRemote, parseS3Url, s3Store } from '../../shared/sync/s3.ts';
import { type S3ConnectionOptions, makeS3Client } from '../lib/s3-client.ts';

export interface SyncRunOptions extends S3ConnectionOptions {
  concurrency: number;
  delete: boolean;
  dryRun: boolean;
  /** Publish under this base URL (JSON rewritten; tiles untouched). */
  baseUrl?: string;
  /** Only these top-level entries of DIR (image folders, collection.json); all of DIR when absent. */
  only?: string[];
  client?: S3Client;
  onProgress?(p: SyncProgress): void;
  signal?: AbortSignal;
}

export interface SyncReport {
  target: string;
  dry_run: boolean;
  totals: { planned: number; uploaded: number; skipped: number; deleted: number; failed: number; bytes: number; retries: number; seconds: number };
  plan: { upload: string[]; delete: string[] };
  failures: Array<{ key: string; error: string }>;
}

/** Every file under DIR (or under its entry `under`, a folder or a file) as a key relative to DIR. */
export function folderFiles(dir: string, under = ''): SourceFile[] {
  const out: SourceFile[] = [];
  const start = under ? join(dir, under) : dir;
  if (under && statSync(start, { throwIfNoEntry: false })?.isFile()) {
    return [{ key: under, read: async () => new Uint8Array(await readFile(start)) }];
  }
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) walk(p);
      } else if (e.isFile()) {
        const key = relative(dir, p).split(sep).join('/');
        out.push({ key, read: async () => new Uint8Array(await readFile(p)) });
      }
    }
  };
  if (statSync(start, { throwIfNoEntry: false })?.isDirectory()) walk(start);
  return out;
}

export async function runSync(dir: string, s3url: string, opts: SyncRunOptions): Promise<SyncReport> {
  const started = performance.now();
  const target: S3Target = parseS3Url(s3url);
  const client = opts.client ?? makeS3Client(opts);
  try {
    return await syncWith(s3Store(client, target), dir, s3url, opts, started);
  } finally {
    if (!opts.client) client.destroy();
  }
}

/**
 * The remote objects a sync compares with: all under the prefix, or with `only`, just those of
 * these entries (listed one by one, so that publishing one image of a large collection does
 * not list the whole collection).
 */
async function listInScope(store: ObjectStore, only: string[] | undefined, signal?: AbortSignal): Promise<RemoteObject[]> {
  if (!only) return listRemote(store, undefined, signal);
  const lists = await Promise.all(only.map((name) => listRemote(store, undefined, signal, name)));
  // A listing of `alpha` also holds `alpha2/...` and `alpha.json`: keep the entry itself and what is under it.
  return lists.flatMap((list, i) => list.filter((r) => r.key === only[i] || r.key.startsWith(`${only[i]}/`)));
}

async function syncWith(store: ObjectStore, dir: string, s3url: string, opts: SyncRunOptions, started: number): Promise<SyncReport> {
  const files = opts.only ? opts.only.flatMap((name) => folderFiles(dir, name)) : folderFiles(dir);
  // Hashing the local files and listing the remote both take a while: at the same time.
  const [local, remote] = await Promise.all([prepareObjects(files, { baseUrl: opts.baseUrl }), listInScope(store, opts.only, opts.signal)]);
  const plan = planSync(local, remote);
  const report: SyncReport = {
    target: s3url,
    dry_run: opts.dryRun,
    totals: { planned: plan.upload.length + (opts.delete ? plan.extra.length : 0), uploaded: 0, skipped: plan.skip.length, deleted: 0, failed: 0, bytes: 0, retries: 0, seconds: 0 },
    plan: { upload: plan.upload.map((o) => o.key), delete: opts.delete ? plan.extra.map((r) => r.key) : [] },
    failures: [],
  };
  if (!opts.dryRun) {
    const r = await executeSync(store, plan, { concurrency: opts.concurrency, delete: opts.delete, signal: opts.signal, onProgress: opts.onProgress });
    Object.assign(report.totals, { uploaded: r.uploaded, deleted: r.deleted, failed: r.failed.length, bytes: r.bytes, retries: r.retries });
    report.failures = r.failed;
  }
  report.totals.seconds = Math.round((performance.now() - started) / 10) / 100;
  return report;
}
