// What a sync moves: objects with a key under the prefix, their bytes on demand, and the
// headers they are served with.

import { IMAGE_CONTEXT } from '../iiif/info.ts';
import { PRESENTATION_CONTENT_TYPE } from '../iiif/manifest.ts';

export interface LocalObject {
  /** Key relative to the prefix, with `/` separators: `<id>/info.json`, `collection.json`, ... */
  key: string;
  size: number;
  /** Hex MD5 of the bytes that will be uploaded (after any base-URL rewrite). */
  md5: string;
  contentType: string;
  cacheControl: string;
  read(): Promise<Uint8Array>;
}

export interface RemoteObject {
  key: string;
  size: number;
  /** ETag without quotes: the hex MD5 for single-part uploads. */
  etag: string;
}

/** Tiles never change under their URL: a year, immutable. JSON may be rewritten: five minutes. */
export const TILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const JSON_CACHE_CONTROL = 'public, max-age=300';

const IMAGE_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Content-Type for a key; info.json needs its bytes to tell v2 from v3. */
export function contentTypeFor(key: string, bytes?: Uint8Array): string {
  const name = key.split('/').pop() ?? key;
  if (name === 'info.json') {
    const text = bytes ? new TextDecoder().decode(bytes.subarray(0, 200)) : '';
    return `application/ld+json;profile="${text.includes(IMAGE_CONTEXT[2]) ? IMAGE_CONTEXT[2] : IMAGE_CONTEXT[3]}"`;
  }
  if (name === 'manifest.json' || name === 'collection.json') return PRESENTATION_CONTENT_TYPE;
  if (name.endsWith('.json')) return 'application/json';
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  return IMAGE_TYPES[ext] ?? 'application/octet-stream';
}

export function cacheControlFor(key: string): string {
  return key.endsWith('.json') ? JSON_CACHE_CONTROL : TILE_CACHE_CONTROL;
}

/** Internal files (the stamp, staging folders) are never published. */
export function isPublishable(key: string): boolean {
  return !key.split('/').some((part) => part.startsWith('.'));
}
