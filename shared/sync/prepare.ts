// Turn the files of an output (a folder, a browser pack) into LocalObjects: publishable keys
// only, JSON rewritten to the final base URL, MD5 of exactly the bytes that will be sent.

import { md5 } from '@noble/hashes/legacy.js';
import { type LocalObject, cacheControlFor, contentTypeFor, isPublishable } from './objects.ts';
import { baseUrlOf, rewriteBaseUrl } from './rewrite.ts';

export interface SourceFile {
  key: string;
  read(): Promise<Uint8Array>;
}

export function md5Hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of md5(bytes)) s += b.toString(16).padStart(2, '0');
  return s;
}

const isIiifJson = (key: string): boolean => /(^|\/)(info|manifest|collection)\.json$/.test(key);

/**
 * `baseUrl`: publish under this base URL (info.json, manifests and the collection are
 * rewritten from the one they were made with; tiles are untouched). Files are read once here
 * to hash them, and again when uploaded.
 */
export async function prepareObjects(files: SourceFile[], opts: { baseUrl?: string; concurrency?: number } = {}): Promise<LocalObject[]> {
  const publishable = files.filter((f) => isPublishable(f.key));
  const out: LocalObject[] = new Array(publishable.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < publishable.length) {
      const i = next++;
      const f = publishable[i]!;
      const transform = async (): Promise<Uint8Array> => {
        const bytes = await f.read();
        if (!opts.baseUrl || !isIiifJson(f.key)) return bytes;
        const from = baseUrlOf(f.key, bytes);
        return from ? rewriteBaseUrl(bytes, from, opts.baseUrl) : bytes;
      };
      const bytes = await transform();
      out[i] = { key: f.key, size: bytes.byteLength, md5: md5Hex(bytes), contentType: contentTypeFor(f.key, bytes), cacheControl: cacheControlFor(f.key), read: transform };
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  return out;
}
