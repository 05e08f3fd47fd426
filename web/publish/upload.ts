// Upload stored images from the browser to S3 with the same planner and uploader as the agent
// (shared/sync): list the remote, upload only what differs, verify every object. Resuming after
// a reload is the same call again: what already landed is found by the listing and skipped.
// Two ways to be allowed in: credentials held in memory, or presigned URLs from `agent s3 presign`.

import { S3Client } from '@aws-sdk/client-s3';
import { planSync } from '../../shared/sync/plan.ts';
import { type SourceFile, prepareObjects } from '../../shared/sync/prepare.ts';
import { presignedStore } from '../../shared/sync/presigned.ts';
import { type ObjectStore, type SyncProgress, type SyncResult, executeSync, listRemote, s3Store } from '../../shared/sync/s3.ts';
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

/** Upload through a presign server: the bucket and prefix are the server's; no credentials here. */
export interface PresignTarget {
  presignUrl: string;
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
  // rebase: the collection's thumbnails come from the manifests, which must already carry the
  // final base URL (prepareObjects rewrites documents by their own id, and the collection's is final).
  for await (const entry of zipEntries(images, { baseUrl, rebase: true, readFile, getManifest })) {
    const input = entry.input;
    files.push({
      key: entry.name,
      read: async () => (typeof input === 'string' ? new TextEncoder().encode(input) : new Uint8Array(await input.arrayBuffer())),
    });
  }
  return files;
}

/** The store a target uploads to, and how to let go of it. */
function openStore(target: UploadTarget | PresignTarget): { store: ObjectStore; close(): void } {
  if ('presignUrl' in target) return { store: presignedStore(target.presignUrl), close: () => undefined };
  const client = s3ClientFor(target);
  const dest = { bucket: target.bucket, prefix: target.prefix.replace(/^\/+|\/+$/g, '') };
  return { store: s3Store(client, dest), close: () => client.destroy() };
}

export async function uploadImages(images: StoredImage[], target: UploadTarget | PresignTarget, opts: UploadOptions): Promise<UploadReport> {
  const { store, close } = openStore(target);
  try {
    const local = await prepareObjects(await sourceFiles(images, opts.baseUrl), { baseUrl: opts.baseUrl });
    const remote = await listRemote(store, undefined, opts.signal);
    // Only this upload's images and the collection are compared: other objects under the prefix are left alone.
    const ours = new Set(local.map((o) => o.key.split('/')[0]));
    const plan = planSync(local, remote.filter((r) => ours.has(r.key.split('/')[0])));
    opts.onPlan?.({ upload: plan.upload.length, skip: plan.skip.length });
    const result = await executeSync(store, plan, { concurrency: opts.concurrency ?? 12, delete: false, signal: opts.signal, onProgress: opts.onProgress });
    return { ...result, planned: plan.upload.length, skipped: plan.skip.length };
  } finally {
    close();
  }
}
