// The presign protocol between the web app and `agent s3 presign`: the browser POSTs JSON and
// gets back a presigned URL to call S3 with, so no credentials ever reach the browser. Keys are
// relative to the prefix the server was started with; the server refuses any other.

export interface ListRequest {
  op: 'list';
  /** Keys (relative to the server's prefix) starting with this; '' for all. */
  prefix: string;
  continuationToken?: string;
  /** Page size, 1-1000 (default 1000). */
  maxKeys?: number;
}

export interface PutRequest {
  op: 'put';
  key: string;
  contentType: string;
  cacheControl: string;
  /** Base64 MD5 of the body: the store refuses bytes that do not match. */
  contentMd5: string;
}

export interface DeleteRequest {
  op: 'delete';
  key: string;
}

export type PresignRequest = ListRequest | PutRequest | DeleteRequest;

/** A presigned ListObjectsV2 GET; `keyPrefix` is what the listed keys start with (the server's prefix and a slash). */
export interface ListAnswer {
  url: string;
  keyPrefix: string;
}

/** A presigned PUT and the headers its signature covers, to be sent exactly as given. */
export interface PutAnswer {
  url: string;
  headers: Record<string, string>;
}

export interface DeleteAnswer {
  url: string;
}

export interface ErrorAnswer {
  error: string;
}

const MAX_KEY_LENGTH = 1024;

/**
 * Why a relative key may not be presigned, or undefined when it may: it must stay under the
 * prefix whatever a store or proxy does with the path, so no `.` or `..` segments, no leading
 * or doubled slash, no backslash, no control characters. A listing prefix may be '' or end with '/'.
 */
export function keyProblem(key: unknown, opts: { listing?: boolean } = {}): string | undefined {
  if (typeof key !== 'string') return 'the key must be a string';
  if (key === '') return opts.listing ? undefined : 'the key is empty';
  if (key.length > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'the key must be relative (no leading /)';
  if (key.includes('\\')) return 'the key may not contain a backslash';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'the key may not contain control characters';
  }
  const segments = key.split('/');
  // A listing prefix `abc/` ends with an empty segment: that one is fine.
  if (opts.listing && segments[segments.length - 1] === '') segments.pop();
  for (const s of segments) {
    if (s === '') return 'the key may not contain empty segments (//)';
    if (s === '.' || s === '..') return 'the key may not contain . or .. segments';
  }
  return undefined;
}

/** A base64 MD5: 16 bytes, 24 characters. */
export function isBase64Md5(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 24 || !value.endsWith('==')) return false;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 22; i++) if (!alphabet.includes(value[i]!)) return false;
  return true;
}
