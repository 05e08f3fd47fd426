// The pure parts of S3 publishing: the plan (what to upload, skip, delete), the base-URL rewrite,
// object keys, types and headers, and which failures are retried.
import { createHash } from 'node:crypto';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { buildInfoJson } from '../shared/iiif/info.ts';
import { buildCollection, buildManifest, serviceIdFor } from '../shared/iiif/manifest.ts';
import { planImage } from '../shared/iiif/plan.ts';
import { resolveTileOptions } from '../shared/options.ts';
import {
  JSON_CACHE_CONTROL,
  type LocalObject,
  type RemoteObject,
  TILE_CACHE_CONTROL,
  cacheControlFor,
  contentTypeFor,
  isPublishable,
} from '../shared/sync/objects.ts';
import { planSync } from '../shared/sync/plan.ts';
import { md5Hex, prepareObjects } from '../shared/sync/prepare.ts';
import { VerifyError, isRetryable, withRetry } from '../shared/sync/retry.ts';
import { baseUrlOf, rewriteBaseUrl } from '../shared/sync/rewrite.ts';
import { keyFor, parseS3Url } from '../shared/sync/s3.ts';
import { jsonBytes } from '../shared/tile-image.ts';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const nodeMd5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

function local(key: string, content: string): LocalObject {
  const b = bytes(content);
  return { key, size: b.length, md5: nodeMd5(b), contentType: contentTypeFor(key, b), cacheControl: cacheControlFor(key), read: async () => b };
}

const remoteOf = (o: LocalObject, etag = o.md5, size = o.size): RemoteObject => ({ key: o.key, size, etag });

/** The documents the tiler writes for one image and the collection, made with `baseUrl`. */
function documents(baseUrl: string, version: 2 | 3): Record<string, Uint8Array> {
  const options = resolveTileOptions({ baseUrl, iiifVersion: version, tileSize: 256 });
  const plan = planImage({ width: 1200, height: 800 }, options);
  const manifest = buildManifest({ id: 'scan-1', baseUrl, plan, version, format: 'jpg', metadata: { label: 'Scan one', summary: `see ${baseUrl}-notes/x` } });
  return {
    'scan-1/info.json': jsonBytes(buildInfoJson(serviceIdFor(baseUrl, 'scan-1'), plan, version, 'jpg')),
    'scan-1/manifest.json': jsonBytes(manifest),
    'collection.json': jsonBytes(buildCollection(baseUrl, 'Scans', [{ id: 'scan-1', label: 'Scan one', thumbnail: (manifest.thumbnail as Record<string, unknown>[])[0] }])),
  };
}

describe('planSync', () => {
  const tile = local('a/0,0,256,256/256,256/0/default.jpg', 'tile bytes');
  const info = local('a/info.json', '{"id":"x"}');
  const collection = local('collection.json', '{"items":[]}');

  it('skips what is there with the same size and MD5, whatever the case of the ETag', () => {
    const plan = planSync([tile, info], [remoteOf(tile), remoteOf(info, info.md5.toUpperCase())]);
    expect(plan.upload).toEqual([]);
    expect(plan.skip.map((o) => o.key)).toEqual([tile.key, info.key]);
    expect(plan.extra).toEqual([]);
  });

  it('uploads what is missing, has another size, or another ETag (a multipart ETag included)', () => {
    const other = local('a/full/max/0/default.jpg', 'max bytes');
    const third = local('a/full/100,/0/default.jpg', 'small');
    const plan = planSync([tile, info, other, third], [remoteOf(tile, tile.md5, tile.size + 1), remoteOf(info, nodeMd5(bytes('old'))), remoteOf(third, `${third.md5}-2`)]);
    expect(plan.upload.map((o) => o.key).sort()).toEqual([tile.key, info.key, other.key, third.key].sort());
    expect(plan.skip).toEqual([]);
  });

  it('lists remote objects with no local counterpart as extras, sorted', () => {
    const plan = planSync([tile], [remoteOf(tile), { key: 'z/gone.jpg', size: 1, etag: 'e' }, { key: 'b/gone.jpg', size: 1, etag: 'e' }]);
    expect(plan.extra.map((r) => r.key)).toEqual(['b/gone.jpg', 'z/gone.jpg']);
  });

  it('orders uploads images first, then JSON, so no info.json points at tiles not yet there', () => {
    const plan = planSync([collection, info, tile, local('b/info.json', '{}'), local('b/1/default.jpg', 'x')], []);
    const keys = plan.upload.map((o) => o.key);
    const lastImage = Math.max(keys.indexOf(tile.key), keys.indexOf('b/1/default.jpg'));
    expect(lastImage).toBeLessThan(keys.indexOf(info.key));
    expect(lastImage).toBeLessThan(keys.indexOf('b/info.json'));
    expect(lastImage).toBeLessThan(keys.indexOf('collection.json'));
  });
});

describe('objects: content types, cache headers, what is published', () => {
  it('serves info.json with the Image API profile of its version, manifests and the collection with the Presentation profile', () => {
    const v3 = documents('http://h/iiif', 3);
    const v2 = documents('http://h/iiif', 2);
    expect(contentTypeFor('scan-1/info.json', v3['scan-1/info.json'])).toBe('application/ld+json;profile="http://iiif.io/api/image/3/context.json"');
    expect(contentTypeFor('scan-1/info.json', v2['scan-1/info.json'])).toBe('application/ld+json;profile="http://iiif.io/api/image/2/context.json"');
    const presentation = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"';
    expect(contentTypeFor('scan-1/manifest.json')).toBe(presentation);
    expect(contentTypeFor('collection.json')).toBe(presentation);
    expect(contentTypeFor('notes.json')).toBe('application/json');
  });

  it('serves tiles by their extension', () => {
    expect(contentTypeFor('a/0,0,256,256/256,/0/default.jpg')).toBe('image/jpeg');
    expect(contentTypeFor('a/full/max/0/default.JPEG')).toBe('image/jpeg');
    expect(contentTypeFor('a/full/max/0/default.png')).toBe('image/png');
    expect(contentTypeFor('a/full/max/0/default.webp')).toBe('image/webp');
    expect(contentTypeFor('a/readme')).toBe('application/octet-stream');
  });

  it('caches tiles for a year as immutable, JSON briefly', () => {
    expect(cacheControlFor('a/0,0,256,256/256,/0/default.jpg')).toBe(TILE_CACHE_CONTROL);
    expect(TILE_CACHE_CONTROL).toMatch(/max-age=31536000.*immutable/);
    for (const k of ['a/info.json', 'a/manifest.json', 'collection.json']) expect(cacheControlFor(k)).toBe(JSON_CACHE_CONTROL);
    expect(JSON_CACHE_CONTROL).not.toMatch(/immutable/);
  });

  it('never publishes dot files or anything in a dot folder', () => {
    expect(isPublishable('a/.tessella.json')).toBe(false);
    expect(isPublishable('.staging/a/info.json')).toBe(false);
    expect(isPublishable('a/.partial/x.jpg')).toBe(false);
    expect(isPublishable('a/info.json')).toBe(true);
    expect(isPublishable('collection.json')).toBe(true);
    expect(isPublishable('a.b/full/max/0/default.jpg')).toBe(true);
  });
});

describe('base-URL rewrite', () => {
  const from = 'http://127.0.0.1:8080/iiif';
  const to = 'https://example.org/pub/iiif';

  for (const version of [3, 2] as const) {
    it(`turns documents made with one base URL into exactly those made with another (Image API ${version})`, () => {
      const made = documents(from, version);
      const wanted = documents(to, version);
      for (const key of Object.keys(made)) {
        const rewritten = rewriteBaseUrl(made[key]!, from, to);
        expect(text(rewritten), key).toBe(text(wanted[key]!).replace(`${to}-notes`, `${from}-notes`));
      }
    });
  }

  it('leaves URLs that merely start with the same characters alone', () => {
    const doc = bytes(JSON.stringify({ id: `${from}/a`, homepage: [{ id: `${from}-other/a` }, `${from}x`], n: 3, ok: true, none: null }));
    const out = JSON.parse(text(rewriteBaseUrl(doc, from, to))) as Record<string, unknown>;
    expect(out).toEqual({ id: `${to}/a`, homepage: [{ id: `${from}-other/a` }, `${from}x`], n: 3, ok: true, none: null });
  });

  it('returns the same bytes when the base URL does not change', () => {
    const doc = bytes('{"id":"http://h/iiif/a"}');
    expect(rewriteBaseUrl(doc, 'http://h/iiif', 'http://h/iiif')).toBe(doc);
  });

  it('finds the base URL a document was made with, from its id and key', () => {
    for (const version of [3, 2] as const) {
      const docs = documents(from, version);
      for (const key of Object.keys(docs)) expect(baseUrlOf(key, docs[key]!), `${key} v${version}`).toBe(from);
    }
    expect(baseUrlOf('scan-1/info.json', bytes('{"id":"http://h/iiif/other"}'))).toBeUndefined();
    expect(baseUrlOf('scan-1/manifest.json', bytes('{"label":"no id"}'))).toBeUndefined();
  });
});

describe('prepareObjects', () => {
  const docs = documents('http://127.0.0.1:8080/iiif', 3);
  const tileBytes = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  const sources = [
    ...Object.entries(docs).map(([key, b]) => ({ key, read: async () => b })),
    { key: 'scan-1/0,0,256,256/256,/0/default.jpg', read: async () => tileBytes },
    { key: 'scan-1/.tessella.json', read: async () => bytes('{}') },
  ];

  it('hashes what will be sent, skips internal files, keeps tiles as they are', async () => {
    const objects = await prepareObjects(sources, { concurrency: 2 });
    expect(objects.map((o) => o.key)).toEqual(['scan-1/info.json', 'scan-1/manifest.json', 'collection.json', 'scan-1/0,0,256,256/256,/0/default.jpg']);
    for (const o of objects) {
      const sent = await o.read();
      expect(o.md5).toBe(nodeMd5(sent));
      expect(o.size).toBe(sent.byteLength);
    }
    expect(await objects[3]!.read()).toEqual(tileBytes);
    expect(objects[3]!.contentType).toBe('image/jpeg');
    expect(objects[0]!.contentType).toContain('image/3/context.json');
  });

  it('with a base URL, hashes and sends the rewritten JSON, and leaves the source bytes alone', async () => {
    const original = Object.fromEntries(Object.entries(docs).map(([k, b]) => [k, text(b)]));
    const objects = await prepareObjects(sources, { baseUrl: 'https://example.org/iiif' });
    const wanted = documents('https://example.org/iiif', 3);
    for (const o of objects.filter((x) => x.key.endsWith('.json'))) {
      const sent = await o.read();
      expect(JSON.parse(text(sent)).id, o.key).toBe(JSON.parse(text(wanted[o.key]!)).id);
      expect(o.md5).toBe(nodeMd5(sent));
    }
    expect(await objects[3]!.read()).toEqual(tileBytes);
    for (const [k, b] of Object.entries(docs)) expect(text(b), k).toBe(original[k]);
  });

  it('computes MD5 as S3 does', () => {
    expect(md5Hex(new Uint8Array())).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex(bytes('The quick brown fox jumps over the lazy dog'))).toBe('9e107d9d372bb6826bd81d3542a419d6');
  });
});

describe('S3 targets', () => {
  it('parses s3:// URLs into bucket and prefix, and builds keys under the prefix', () => {
    expect(parseS3Url('s3://bucket/some/prefix/')).toEqual({ bucket: 'bucket', prefix: 'some/prefix' });
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(() => parseS3Url('https://bucket/x')).toThrow(/s3:\/\//);
    expect(keyFor({ bucket: 'b', prefix: 'p/q' }, 'a/info.json')).toBe('p/q/a/info.json');
    expect(keyFor({ bucket: 'b', prefix: '' }, 'a/info.json')).toBe('a/info.json');
  });
});

describe('retry classification', () => {
  const s3Error = (name: string, status: number): S3ServiceException =>
    new S3ServiceException({ name, message: name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
  const netError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  it('retries throttling, server errors, timeouts, resets and failed verification', () => {
    for (const e of [
      s3Error('SlowDown', 503),
      s3Error('InternalError', 500),
      s3Error('ServiceUnavailable', 503),
      s3Error('TooManyRequests', 429),
      s3Error('RequestTimeout', 400),
      s3Error('BadDigest', 400),
      netError('ECONNRESET', 'socket hang up'),
      netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      netError('EPIPE', 'write EPIPE'),
      Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      new Error('aborted'),
      new TypeError('Failed to fetch'),
      new VerifyError('ETag x is not the MD5 y'),
    ]) {
      expect(isRetryable(e), `${e.name}: ${e.message}`).toBe(true);
    }
  });

  it('does not retry what will fail again: access, missing buckets, bad requests', () => {
    for (const e of [s3Error('AccessDenied', 403), s3Error('NoSuchBucket', 404), s3Error('InvalidAccessKeyId', 403), s3Error('InvalidRequest', 400), new Error('not an s3:// URL')]) {
      expect(isRetryable(e), `${e.name}: ${e.message}`).toBe(false);
    }
  });

  const fast = { attempts: 4, baseMs: 1, maxMs: 2 };

  it('retries until the task succeeds and counts the retries', async () => {
    let calls = 0;
    const { value, retries } = await withRetry(async () => {
      calls++;
      if (calls < 3) throw s3Error('SlowDown', 503);
      return 'done';
    }, fast);
    expect({ value, retries, calls }).toEqual({ value: 'done', retries: 2, calls: 3 });
  });

  it('stops at once on a failure that is not retryable, and after the last attempt on one that is', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw s3Error('AccessDenied', 403);
      }, fast),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw s3Error('SlowDown', 503);
      }, fast),
    ).rejects.toMatchObject({ name: 'SlowDown' });
    expect(calls).toBe(fast.attempts);
  });

  it('gives up while waiting to retry when cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw s3Error('SlowDown', 503);
      },
      { attempts: 5, baseMs: 600_000, maxMs: 600_000 },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('stopped by the user')), 5);
    await expect(run).rejects.toThrow(/stopped by the user/);
    expect(calls).toBe(1);
  });
});
