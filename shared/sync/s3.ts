// The store side of a sync: list everything under a prefix, upload with bounded concurrency,
// verify each object (ETag = MD5 of the bytes sent), delete extras. The planner and uploader
// work on an ObjectStore: an S3 client with credentials (the agent, the web app's credentials
// mode) or presigned URLs handed out by a server (shared/sync/presigned.ts). Runs in Node and browsers.

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

/** The headers an object is stored with; `contentMd5` is the base64 MD5 the store checks the bytes against. */
export interface ObjectHeaders {
  contentType: string;
  cacheControl: string;
  contentMd5: string;
}

export interface ListPage {
  /** Keys relative to the store's prefix. */
  objects: RemoteObject[];
  /** Continuation token of the next page, if any. */
  next?: string;
}

/**
 * Where a sync publishes: a prefix of a bucket, keys relative to it. Each call is one attempt
 * (retries are the caller's) and throws errors `isRetryable` understands.
 */
export interface ObjectStore {
  /** One page of the objects whose relative key starts with `startsWith`. */
  listPage(startsWith: string, token: string | undefined, signal?: AbortSignal): Promise<ListPage>;
  /** Store the bytes; resolves with the ETag (without quotes) the store answered. */
  put(key: string, body: Uint8Array, headers: ObjectHeaders, signal?: AbortSignal): Promise<{ etag: string }>;
  /** Delete up to 1000 keys; resolves with the keys that could not be deleted. */
  deleteMany(keys: string[], signal?: AbortSignal): Promise<Array<{ key: string; error: string }>>;
}

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '');

/** An ObjectStore over an S3 client with credentials. */
export function s3Store(client: S3Client, target: S3Target): ObjectStore {
  const base = target.prefix ? `${target.prefix}/` : '';
  return {
    async listPage(startsWith, token, signal) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: base + startsWith, ContinuationToken: token, MaxKeys: 1000 }), { abortSignal: signal });
      const objects: RemoteObject[] = [];
      for (const o of page.Contents ?? []) {
        if (o.Key) objects.push({ key: o.Key.slice(base.length), size: o.Size ?? 0, etag: unquote(o.ETag) });
      }
      return { objects, next: page.IsTruncated ? page.NextContinuationToken : undefined };
    },
    async put(key, body, headers, signal) {
      const res = await client.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: keyFor(target, key),
          Body: body,
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
          ContentLength: body.byteLength,
          ContentMD5: headers.contentMd5,
        }),
        { abortSignal: signal },
      );
      return { etag: unquote(res.ETag) };
    },
    async deleteMany(keys, signal) {
      const res = await client.send(
        new DeleteObjectsCommand({ Bucket: target.bucket, Delete: { Objects: keys.map((k) => ({ Key: keyFor(target, k) })), Quiet: true } }),
        { abortSignal: signal },
      );
      return (res.Errors ?? []).map((e) => ({ key: e.Key ? e.Key.slice(base.length) : '?', error: `${e.Code ?? ''} ${e.Message ?? ''}` }));
    },
  };
}

/**
 * Every object under the store's prefix (all pages, each retried), keys relative to the prefix.
 * `startsWith` narrows the listing to keys (relative to the prefix) that start with it, e.g.
 * `<id>/` for one image.
 */
export async function listRemote(store: ObjectStore, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal, startsWith = ''): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  let token: string | undefined;
  do {
    const { value: page } = await withRetry(() => store.listPage(startsWith, token, signal), policy, signal);
    out.push(...page.objects);
    token = page.next;
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

/** The headers a local object is uploaded with. */
export function headersFor(o: LocalObject): ObjectHeaders {
  // The store checks the bytes it received against the MD5 and refuses a corrupt upload.
  return { contentType: o.contentType, cacheControl: o.cacheControl, contentMd5: base64(hexToBytes(o.md5)) };
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

async function putVerified(store: ObjectStore, o: LocalObject, policy: RetryPolicy, signal?: AbortSignal): Promise<number> {
  const { retries } = await withRetry(
    async () => {
      const body = await o.read();
      const { etag } = await store.put(o.key, body, headersFor(o), signal);
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
export async function executeSync(store: ObjectStore, plan: SyncPlan, opts: ExecuteOptions): Promise<SyncResult> {
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
        const retries = await putVerified(store, o, policy, opts.signal);
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
        const { value: errors } = await withRetry(() => store.deleteMany(batch.map((r) => r.key), opts.signal), policy, opts.signal);
        for (const e of errors) result.failed.push({ key: e.key, error: `delete: ${e.error}` });
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
