// An ObjectStore that holds no credentials: each request asks a presign server (`agent s3
// presign`, protocol in presign-protocol.ts) for a presigned URL, then calls S3 with fetch.
// A URL is asked for on every attempt, so a retry never runs into an expired signature.

import { parseListObjectsV2, parseS3Error } from './list-xml.ts';
import type { DeleteAnswer, ListAnswer, PresignRequest, PutAnswer } from './presign-protocol.ts';
import { isRetryable } from './retry.ts';
import type { ObjectStore } from './s3.ts';

export interface PresignedStoreOptions {
  /** Objects per listing page (1-1000; the store's default when absent). */
  pageSize?: number;
  fetch?: typeof fetch;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** An HTTP failure shaped as isRetryable expects: the S3 error code as name, the status in $metadata. */
function httpError(status: number, code: string, message: string): Error {
  return Object.assign(new Error(message || `HTTP ${status}`), { name: code || `HTTP${status}`, $metadata: { httpStatusCode: status } });
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message ?? ''})` : '';
  return `${e?.message ?? String(err)}${cause}`;
}

export function presignedStore(presignUrl: string, opts: PresignedStoreOptions = {}): ObjectStore {
  const fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);

  /** One request and its whole answer; a connection that fails on the way is a (retryable) network error. */
  const call = async (url: string, init: RequestInit, signal?: AbortSignal): Promise<Answer> => {
    try {
      const res = await fetchImpl(url, { ...init, signal });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new Error(`network error: ${errorText(err)}`);
    }
  };

  const presign = async <T>(request: PresignRequest, signal?: AbortSignal): Promise<T> => {
    const res = await call(presignUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) }, signal);
    let body: { error?: string } & T;
    try {
      body = JSON.parse(res.text) as { error?: string } & T;
    } catch {
      throw httpError(res.status >= 400 ? res.status : 502, '', `presign server: not JSON (HTTP ${res.status}): ${res.text.slice(0, 120)}`);
    }
    if (res.status >= 400 || body.error) throw httpError(res.status, '', `presign server: ${body.error ?? `HTTP ${res.status}`}`);
    return body;
  };

  /** A non-2xx answer of the store, with its S3 error code when there is one. */
  const storeError = (res: Answer, what: string): Error => {
    const e = parseS3Error(res.text);
    return httpError(res.status, e?.code ?? '', `${what}: ${e ? `${e.code} ${e.message}` : `HTTP ${res.status}`}`);
  };

  return {
    async listPage(startsWith, token, signal) {
      const { url, keyPrefix } = await presign<ListAnswer>({ op: 'list', prefix: startsWith, continuationToken: token, maxKeys: opts.pageSize }, signal);
      const res = await call(url, { method: 'GET' }, signal);
      if (res.status !== 200) throw storeError(res, 'list');
      const page = parseListObjectsV2(res.text);
      const objects = page.objects.filter((o) => o.key.startsWith(keyPrefix)).map((o) => ({ ...o, key: o.key.slice(keyPrefix.length) }));
      return { objects, next: page.isTruncated ? page.nextContinuationToken : undefined };
    },

    async put(key, body, headers, signal) {
      const signed = await presign<PutAnswer>({ op: 'put', key, ...headers }, signal);
      const res = await call(signed.url, { method: 'PUT', headers: signed.headers, body: body as Uint8Array<ArrayBuffer> }, signal);
      if (res.status !== 200) throw storeError(res, `put ${key}`);
      const etag = res.headers.get('etag');
      // Without a readable ETag nothing can be verified: retrying would not help.
      if (!etag) throw new Error(`put ${key}: the store's answer has no readable ETag (its CORS rules must expose ETag: agent s3 cors)`);
      return { etag: etag.split('"').join('') };
    },

    async deleteMany(keys, signal) {
      const failed: Array<{ key: string; error: string }> = [];
      let retryable: unknown;
      for (const key of keys) {
        try {
          const { url } = await presign<DeleteAnswer>({ op: 'delete', key }, signal);
          const res = await call(url, { method: 'DELETE' }, signal);
          if (res.status !== 204 && res.status !== 200) throw storeError(res, `delete ${key}`);
        } catch (err) {
          if (signal?.aborted) throw err;
          if (isRetryable(err)) retryable ??= err;
          failed.push({ key, error: err instanceof Error ? err.message : String(err) });
        }
      }
      // Deleting is idempotent: a batch with a passing failure is retried whole.
      if (retryable) throw retryable;
      return failed;
    },
  };
}
