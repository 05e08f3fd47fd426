// Upload stored images from the browser to S3 with the same planner and uploader as the agent
// (shared/sync): list the remote, upload only what differs, verify every object. Resuming after
// a reload is the same call again: what already landed is found by the listing and skipped.

import { S3Client } from '@aws-sdk/client-s3';
import { planSync } from '../../shared/sync/plan.ts';
import { type SourceFile, prepareObjects } from '../../shared/sync/prepare.ts';
import { type SyncProgress, type SyncResult, executeSync, listRemote } from '../../shared/sync/s3.ts';
import { zipEntries } from '../export/entries.ts';
import { getManifest, readFile } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';

/** Where to upload. Credentials live in memory only: never written to storage. */
export interface UploadTarget {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  pathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface UploadOptions {
  /** Publish under this base URL (JSON rewritten as uploaded; tiles untouched). */
  baseUrl: string;
  concurrency?: number;
  signal?: AbortSignal;
  onPlan?(plan: { upload: number; skip: number }): void;
  onProgress?(p: SyncProgress): void;
}

export interface UploadReport extends SyncResult {
  planned: number;
  skipped: number;
}

export function s3ClientFor(t: UploadTarget): S3Client {
  return new S3Client({
    endpoint: t.endpoint || undefined,
    region: t.region || 'us-east-1',
    forcePathStyle: t.pathStyle,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey, sessionToken: t.sessionToken || undefined },
    maxAttempts: 1,
    // S3-compatible stores mishandle aws-chunked uploads: checksums only where required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The files of the images in the agent's output layout, as sync sources. */
async function sourceFiles(images: StoredImage[], baseUrl: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const entry of zipEntries(images, { baseUrl, readFile, getManifest })) {
    const input = entry.input;
    files.push({
      key: entry.name,
      read: async () => (typeof input === 'string' ? new TextEncoder().encode(input) : new Uint8Array(await input.arrayBuffer())),
    });
  }
  return files;
}

export async function uploadImages(images: StoredImage[], target: UploadTarget, opts: UploadOptions): Promise<UploadReport> {
  const client = s3ClientFor(target);
  const dest = { bucket: target.bucket, prefix: target.prefix.replace(/^\/+|\/+$/g, '') };
  try {
    const local = await prepareObjects(await sourceFiles(images, opts.baseUrl), { baseUrl: opts.baseUrl });
    const remote = await listRemote(client, dest, undefined, opts.signal);
    // Only this upload's images and the collection are compared: other objects under the prefix are left alone.
    const ours = new Set(local.map((o) => o.key.split('/')[0]));
    const plan = planSync(local, remote.filter((r) => ours.has(r.key.split('/')[0])));
    opts.onPlan?.({ upload: plan.upload.length, skip: plan.skip.length });
    const result = await executeSync(client, dest, plan, { concurrency: opts.concurrency ?? 12, delete: false, signal: opts.signal, onProgress: opts.onProgress });
    return { ...result, planned: plan.upload.length, skipped: plan.skip.length };
  } finally {
    client.destroy();
  }
}
