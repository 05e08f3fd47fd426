// The S3 side of a sync: list everything under a prefix, upload with bounded concurrency,
// verify each object (ETag = MD5 of the bytes sent), delete extras. Runs in Node and browsers.

import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { LocalObject, RemoteObject } from './objects.ts';
import type { SyncPlan } from './plan.ts';
import { DEFAULT_RETRY, type RetryPolicy, VerifyError, withRetry } from './retry.ts';

export interface S3Target {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string;
}

export function keyFor(target: S3Target, key: string): string {
  return target.prefix ? `${target.prefix}/${key}` : key;
}

/** Parse `s3://bucket/some/prefix` into its parts. */
export function parseS3Url(url: string): S3Target {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !m[1]) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], prefix: m[2]!.replace(/^\/+|\/+$/g, '') };
}

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '');

/**
 * Every object under the prefix (all pages), keys relative to the prefix. `startsWith` narrows
 * the listing to keys (relative to the prefix) that start with it, e.g. `<id>/` for one image.
 */
export async function listRemote(client: S3Client, target: S3Target, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal, startsWith = ''): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  const base = target.prefix ? `${target.prefix}/` : '';
  let token: string | undefined;
  do {
    const { value: page } = await withRetry(
      () => client.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: base + startsWith, ContinuationToken: token, MaxKeys: 1000 }), { abortSignal: signal }),
      policy,
      signal,
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0, etag: unquote(o.ETag) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export interface SyncProgress {
  done: number;
  total: number;
  bytes: number;
  failed: number;
}

export interface SyncResult {
  uploaded: number;
  deleted: number;
  bytes: number;
  retries: number;
  failed: Array<{ key: string; error: string }>;
}

export interface ExecuteOptions {
  concurrency: number;
  delete: boolean;
  policy?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?(p: SyncProgress): void;
}

async function putVerified(client: S3Client, target: S3Target, o: LocalObject, policy: RetryPolicy, signal?: AbortSignal): Promise<number> {
  const { retries } = await withRetry(
    async () => {
      const body = await o.read();
      const res = await client.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: keyFor(target, o.key),
          Body: body,
          ContentType: o.contentType,
          CacheControl: o.cacheControl,
          ContentLength: body.byteLength,
          // The store checks the bytes it received against this and refuses a corrupt upload.
          ContentMD5: base64(hexToBytes(o.md5)),
        }),
        { abortSignal: signal },
      );
      const etag = unquote(res.ETag);
      if (etag.toLowerCase() !== o.md5.toLowerCase()) throw new VerifyError(`ETag ${etag} is not the MD5 ${o.md5} of the bytes sent`);
    },
    policy,
    signal,
  );
  return retries;
}

/**
 * Carry out a plan: tiles and other images first, then JSON (so that an info.json or manifest
 * never points at tiles that are not there yet), collection.json last; extras deleted at the end.
 */
export async function executeSync(client: S3Client, target: S3Target, plan: SyncPlan, opts: ExecuteOptions): Promise<SyncResult> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const limit = pLimit(Math.max(1, opts.concurrency));
  const result: SyncResult = { uploaded: 0, deleted: 0, bytes: 0, retries: 0, failed: [] };
  const total = plan.upload.length + (opts.delete ? plan.extra.length : 0);
  let done = 0;
  const report = (): void => opts.onProgress?.({ done, total, bytes: result.bytes, failed: result.failed.length });
  const upload = (o: LocalObject) =>
    limit(async () => {
      try {
        // Not `result.retries += await ...`: that reads the total before the await, and
        // concurrent uploads would overwrite each other's counts.
        const retries = await putVerified(client, target, o, policy, opts.signal);
        result.retries += retries;
        result.uploaded++;
        result.bytes += o.size;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        result.failed.push({ key: o.key, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
      done++;
      report();
    });
  const phase = (test: (key: string) => boolean) => Promise.all(plan.upload.filter((o) => test(o.key)).map(upload));
  await phase((k) => !k.endsWith('.json'));
  await phase((k) => k.endsWith('.json') && k !== 'collection.json');
  await phase((k) => k === 'collection.json');

  if (opts.delete && plan.extra.length > 0) {
    for (let i = 0; i < plan.extra.length; i += 1000) {
      const batch = plan.extra.slice(i, i + 1000);
      try {
        const { value: res } = await withRetry(
          () =>
            client.send(
              new DeleteObjectsCommand({ Bucket: target.bucket, Delete: { Objects: batch.map((r) => ({ Key: keyFor(target, r.key) })), Quiet: true } }),
              { abortSignal: opts.signal },
            ),
          policy,
          opts.signal,
        );
        const errors = res.Errors ?? [];
        for (const e of errors) result.failed.push({ key: e.Key ?? '?', error: `delete: ${e.Code ?? ''} ${e.Message ?? ''}` });
        result.deleted += batch.length - errors.length;
      } catch (err) {
        for (const r of batch) result.failed.push({ key: r.key, error: `delete: ${err instanceof Error ? err.message : String(err)}` });
      }
      done += batch.length;
      report();
    }
  }
  return result;
}
