// Uploading without credentials in the browser: `agent s3 presign` (started here, in-process)
// hands out presigned URLs, the web app's Upload panel in Presign URL mode uses them with the
// same planner and uploader as `agent sync`, against a real S3-compatible server (s3rver).
// Also the server on its own: keys outside its prefix refused, signatures that cover the headers.

import { createHash, createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBucketCors } from '../agent/commands/s3-cors.ts';
import { type PresignServer, startPresignServer } from '../agent/commands/s3-presign.ts';
import { runTile } from '../agent/commands/tile.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { cacheControlFor, contentTypeFor } from '../shared/sync/objects.ts';
import { planSync } from '../shared/sync/plan.ts';
import { keyProblem } from '../shared/sync/presign-protocol.ts';
import { presignedStore } from '../shared/sync/presigned.ts';
import { md5Hex, prepareObjects } from '../shared/sync/prepare.ts';
import { executeSync, headersFor, listRemote } from '../shared/sync/s3.ts';
import { DEFAULT_COLLECTION_LABEL } from '../web/export/entries.ts';
import { type NetworkLog, launchChromium, recordNetwork } from './helpers/chromium.ts';
import { publishableFiles } from './helpers/files.ts';
import { makeTempDir, writeGradientImage } from './helpers/images.ts';
import { type S3Server, S3RVER_CREDENTIALS, startS3rver } from './helpers/s3.ts';
import { type WebApp, startDevServer } from './helpers/web-server.ts';

const BUCKET = 'iiif';

let s3: S3Server;
let client: S3Client;
let dir: string;

beforeAll(async () => {
  // The presign server signs with the SDK's default chain: s3rver's keys, from the environment.
  Object.assign(process.env, S3RVER_CREDENTIALS);
  dir = makeTempDir('tessella-web-presign-');
  s3 = await startS3rver([BUCKET]);
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every key under `prefix/`, relative to it, sorted. */
async function remoteKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!.slice(prefix.length + 1));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

const objectUrl = (key: string): string => `${s3.endpoint}/${BUCKET}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** POST one request to a presign server as the web app at `origin` would. */
async function ask(server: PresignServer, body: unknown, origin?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const md5Base64 = (b: Uint8Array): string => createHash('md5').update(b).digest('base64');

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/**
 * Whether a presigned SigV4 URL is valid for this request (method, headers), computed as S3 does
 * with s3rver's secret: the canonical request over the query (less the signature), the signed
 * headers and an unsigned payload.
 */
function sigV4Matches(presigned: string, method: string, headers: Record<string, string>, secret = 'S3RVER'): boolean {
  const url = new URL(presigned);
  const q = url.searchParams;
  const lower = new Map([...Object.entries(headers)].map(([k, v]) => [k.toLowerCase(), v.trim()]));
  lower.set('host', url.host);
  const signed = q.get('X-Amz-SignedHeaders')!.split(';');
  const query = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join('&');
  const canonical = [method, url.pathname, query, ...signed.map((h) => `${h}:${lower.get(h) ?? ''}`), '', signed.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const [, date, region, service] = q.get('X-Amz-Credential')!.split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === q.get('X-Amz-Signature');
}

describe('agent s3 presign', () => {
  const ORIGIN = 'http://app.example';
  let server: PresignServer;

  beforeAll(async () => {
    server = await startPresignServer(`s3://${BUCKET}/unit/prefix`, { endpoint: s3.endpoint, pathStyle: true, port: 0, origin: ORIGIN, allowDelete: true });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses keys and listing prefixes that would leave its prefix', async () => {
    const outside = ['../escape.jpg', 'a/../../escape.jpg', '/absolute.jpg', './a.jpg', 'a/./b.jpg', 'a//b.jpg', 'a\\..\\b.jpg', 'a/..', '', 'line\nbreak.jpg'];
    const headers = { contentType: 'image/jpeg', cacheControl: 'public, max-age=60', contentMd5: md5Base64(new Uint8Array([1])) };
    for (const key of outside) {
      const put = await ask(server, { op: 'put', key, ...headers });
      expect(put.status, `put ${JSON.stringify(key)}`).toBe(400);
      expect(String(put.body.error)).toMatch(/key/);
      expect(put.body.url).toBeUndefined();
      const del = await ask(server, { op: 'delete', key });
      expect(del.status, `delete ${JSON.stringify(key)}`).toBe(400);
      expect(del.body.url).toBeUndefined();
    }
    for (const prefix of ['..', '../other', '/', 'a/../..', 'a//']) {
      const list = await ask(server, { op: 'list', prefix });
      expect(list.status, `list ${JSON.stringify(prefix)}`).toBe(400);
      expect(list.body.url).toBeUndefined();
    }
    expect(keyProblem(42)).toMatch(/string/);
    expect(keyProblem('x'.repeat(2000))).toMatch(/longer/);
    expect(keyProblem('')).toMatch(/empty/);
    expect(keyProblem('', { listing: true })).toBeUndefined();
    expect(keyProblem('img/', { listing: true })).toBeUndefined();

    // A key under the prefix gets a URL for exactly that object, the prefix in front of it.
    const ok = await ask(server, { op: 'put', key: 'img/0,0,256,256/256,/0/default.jpg', ...headers });
    expect(ok.status).toBe(200);
    expect(new URL(String(ok.body.url)).pathname).toBe(`/${BUCKET}/unit/prefix/img/0%2C0%2C256%2C256/256%2C/0/default.jpg`);
    const list = await ask(server, { op: 'list', prefix: 'img' });
    expect(list.body.keyPrefix).toBe('unit/prefix/');
    expect(new URL(String(list.body.url)).searchParams.get('prefix')).toBe('unit/prefix/img');
  });

  it('refuses bad requests: other origins, not JSON, unknown operations, a malformed MD5', async () => {
    const other = await ask(server, { op: 'list', prefix: '' }, 'http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(server.url, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const allowed = await ask(server, { op: 'list', prefix: '' }, ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const text = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"op":"list","prefix":""}' });
    expect(text.status).toBe(415);
    expect((await ask(server, { op: 'copy', key: 'a' })).status).toBe(400);
    expect((await ask(server, { op: 'put', key: 'a.jpg', contentType: 'image/jpeg', cacheControl: 'x', contentMd5: 'not-an-md5' })).status).toBe(400);
    expect((await ask(server, { op: 'put', key: 'a.jpg', contentType: 'image/jpeg\r\nx-evil: 1', cacheControl: 'x', contentMd5: md5Base64(new Uint8Array([1])) })).status).toBe(400);
  });

  it('hands out DELETE URLs only when allowed', async () => {
    const strict = await startPresignServer(`s3://${BUCKET}/unit/prefix`, { endpoint: s3.endpoint, pathStyle: true, port: 0 });
    try {
      const del = await ask(strict, { op: 'delete', key: 'a.jpg' });
      expect(del.status).toBe(403);
      expect(String(del.body.error)).toMatch(/--allow-delete/);
    } finally {
      await strict.close();
    }
  });

  it('signs Content-Type, Cache-Control and Content-MD5: the store refuses other headers', async () => {
    const body = new TextEncoder().encode('{"signed": true}\n');
    const headers = { contentType: 'application/json', cacheControl: 'public, max-age=300', contentMd5: md5Base64(body) };
    const signed = await ask(server, { op: 'put', key: 'signed.json', ...headers });
    expect(new URL(String(signed.body.url)).searchParams.get('X-Amz-SignedHeaders')).toBe('cache-control;content-md5;content-type;host');
    const sent = signed.body.headers as Record<string, string>;
    expect(sent).toEqual({ 'Content-Type': headers.contentType, 'Cache-Control': headers.cacheControl, 'Content-MD5': headers.contentMd5 });

    // s3rver does not check SigV4 signatures: checked here, as S3 would. Any other value of a
    // signed header (or another MD5, hence other bytes) makes the signature wrong.
    const url = String(signed.body.url);
    expect(sigV4Matches(url, 'PUT', sent)).toBe(true);
    expect(sigV4Matches(url, 'PUT', { ...sent, 'Content-Type': 'text/html' })).toBe(false);
    expect(sigV4Matches(url, 'PUT', { ...sent, 'Cache-Control': 'no-cache' })).toBe(false);
    expect(sigV4Matches(url, 'PUT', { ...sent, 'Content-MD5': md5Base64(new Uint8Array([9])) })).toBe(false);
    expect(sigV4Matches(url, 'DELETE', sent)).toBe(false);

    const honest = await fetch(String(signed.body.url), { method: 'PUT', headers: sent, body });
    expect(honest.status).toBe(200);
    const stored = await fetch(objectUrl('unit/prefix/signed.json'));
    expect(stored.headers.get('content-type')).toBe(headers.contentType);
    expect(stored.headers.get('cache-control')).toBe(headers.cacheControl);
    expect(Buffer.from(await stored.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
  });

  it('drives the sync planner and uploader in Node: paged listing, verified uploads, deletes', async () => {
    const store = presignedStore(server.url, { pageSize: 2 });
    const files = ['a/1.jpg', 'a/2.jpg', 'a/info.json', 'b/1.jpg', 'collection.json'].map((key, i) => ({
      key,
      read: async () => new TextEncoder().encode(key.endsWith('.json') ? `{"n": ${i}}\n` : `bytes of ${key}`),
    }));
    const local = await prepareObjects(files);
    const before = (await listRemote(store, undefined, undefined, 'a')).length + (await listRemote(store, undefined, undefined, 'b')).length;
    expect(before).toBe(0);

    const result = await executeSync(store, planSync(local, []), { concurrency: 3, delete: false });
    expect(result).toMatchObject({ uploaded: 5, failed: [] });
    // Five objects in pages of two: the listing follows the continuation tokens.
    const listed = (await listRemote(store)).filter((r) => r.key !== 'signed.json');
    expect(listed.map((r) => r.key).sort()).toEqual(files.map((f) => f.key).sort());
    for (const r of listed) {
      const o = local.find((l) => l.key === r.key)!;
      expect([r.size, r.etag]).toEqual([o.size, o.md5]);
    }
    const stored = await fetch(objectUrl('unit/prefix/a/1.jpg'));
    expect(stored.headers.get('content-type')).toBe(contentTypeFor('a/1.jpg'));
    expect(stored.headers.get('cache-control')).toBe(cacheControlFor('a/1.jpg'));
    expect(headersFor(local[0]!).contentMd5).toBe(Buffer.from(md5Hex(await files[0]!.read()), 'hex').toString('base64'));

    // Nothing changed: nothing to upload. One file gone locally: deleted with delete on.
    const again = planSync(local.slice(1), (await listRemote(store)).filter((r) => r.key !== 'signed.json'));
    expect(again.upload.map((o) => o.key)).toEqual([]);
    const pruned = await executeSync(store, again, { concurrency: 2, delete: true });
    expect(pruned).toMatchObject({ uploaded: 0, deleted: 1, failed: [] });
    expect(await remoteKeys('unit/prefix/a')).toEqual(['2.jpg', 'info.json']);
  });
});

describe('the Upload panel in Presign URL mode, in Chromium', () => {
  const PREFIX = 'published/site';
  const IMAGE_ID = 'presign-sample';
  let app: WebApp;
  let presign: PresignServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let network: NetworkLog;
  let input: string;
  let publicBase: string;
  /** What the agent makes of the same file with the same options: every object must equal it. */
  let expected: Map<string, Buffer>;

  beforeAll(async () => {
    input = await writeGradientImage(dir, IMAGE_ID, { width: 1100, height: 760 }, 'jpg');
    publicBase = `${s3.endpoint}/${BUCKET}/${PREFIX}`;
    // The agent's folder is named after the app's collection label: the agent labels collection.json with it.
    const agentOut = join(dir, DEFAULT_COLLECTION_LABEL);
    const tiling = runTile([input], { out: agentOut, options: resolveTileOptions({ baseUrl: publicBase }), jobs: 1, encoders: 1, force: false });
    [app, browser] = await Promise.all([startDevServer(), launchChromium()]);
    const origin = new URL(app.url).origin;
    // The bucket lets the app's origin PUT and read ETags; the presign server answers only that origin.
    await setBucketCors(`s3://${BUCKET}`, { endpoint: s3.endpoint, pathStyle: true, origin });
    presign = await startPresignServer(`s3://${BUCKET}/${PREFIX}`, { endpoint: s3.endpoint, pathStyle: true, port: 0, origin });
    expect((await tiling).totals.failed).toBe(0);
    expected = publishableFiles(agentOut);

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    network = recordNetwork(page);
    await page.goto(app.url);
    await page.waitForSelector('body[data-ready=true]');
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await presign?.close();
    await app?.close();
  });

  /** Press Upload and wait for a finished status matching `pattern`; its text. */
  async function upload(pattern: RegExp): Promise<string> {
    await page.click('[data-testid=upload-start]');
    await page.waitForFunction(
      (source) => {
        const status = document.querySelector('[data-testid=upload-status]') as HTMLElement;
        return status.dataset.state === 'error' || (status.dataset.state === 'done' && new RegExp(source).test(status.textContent ?? ''));
      },
      pattern.source,
      { timeout: 120_000 },
    );
    const status = page.locator('[data-testid=upload-status]');
    expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe('done');
    return (await status.textContent()) ?? '';
  }

  it('uploads a tiled image through presigned URLs: every object under the prefix, equal to the agent’s files', async () => {
    await page.setInputFiles('[data-testid=file-input]', [input]);
    await page.waitForSelector(`[data-testid=image-row][data-id="${IMAGE_ID}"][data-state=done]`, { timeout: 120_000 });

    await page.check('[data-testid=upload-mode-presign]');
    // The credentials fields are out of the way (and out of the form's validation).
    expect(await page.isVisible('[data-testid=upload-accessKeyId]')).toBe(false);
    await page.fill('[data-testid=upload-presignUrl]', presign.url);
    await page.fill('[data-testid=upload-baseUrl]', publicBase);
    const text = await upload(/: [1-9]\d* uploaded, 0 already there/);
    expect(text).toContain(`${expected.size} uploaded`);

    expect(await remoteKeys(PREFIX)).toEqual([...expected.keys()].sort());
    const different: string[] = [];
    for (const [key, bytes] of expected) {
      const res = await fetch(objectUrl(`${PREFIX}/${key}`));
      if (!Buffer.from(await res.arrayBuffer()).equals(bytes)) different.push(key);
      // The headers the signature covered are the ones the objects are served with.
      expect(res.headers.get('content-type'), key).toBe(contentTypeFor(key, bytes));
      expect(res.headers.get('cache-control'), key).toBe(cacheControlFor(key));
    }
    expect(different).toEqual([]);
    // The published info.json is where its id says, under the public base URL.
    const info = (await (await fetch(`${publicBase}/${IMAGE_ID}/info.json`)).json()) as { id: string };
    expect(info.id).toBe(`${publicBase}/${IMAGE_ID}`);
  }, 240_000);

  it('uploads nothing the second time, and after a reload resumes with just what is missing', async () => {
    const puts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts.push(r.url());
    });
    await upload(/: 0 uploaded, [1-9]\d* already there/);
    expect(puts).toEqual([]);

    // A tile lost on the way (as if the tab had closed before it landed).
    const lost = [...expected.keys()].find((k) => k.endsWith('/default.jpg'))!;
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${lost}` }));
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    // The mode and the presign URL are remembered (they are no secret); nothing else needs typing.
    expect(await page.isChecked('[data-testid=upload-mode-presign]')).toBe(true);
    expect(await page.inputValue('[data-testid=upload-presignUrl]')).toBe(presign.url);
    await upload(/: 1 uploaded, [1-9]\d* already there/);
    expect(puts.map((u) => decodeURIComponent(new URL(u).pathname))).toEqual([`/${BUCKET}/${PREFIX}/${lost}`]);
    expect((await fetch(objectUrl(`${PREFIX}/${lost}`))).status).toBe(200);

    await network.idle();
    expect(network.pageErrors).toEqual([]);
    expect(network.failures).toEqual([]);
  }, 240_000);
});
