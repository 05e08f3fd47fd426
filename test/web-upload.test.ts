// The browser Upload panel against a real S3-compatible server (s3rver) with CORS for the app's
// origin: the app's own planner and uploader (shared/sync), credentials typed into the page and
// kept in memory only, a no-op re-upload, and a resume after a reload.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBucketCors } from '../agent/commands/s3-cors.ts';
import { runTile } from '../agent/commands/tile.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { launchChromium, recordNetwork } from './helpers/chromium.ts';
import { filesUnder } from './helpers/files.ts';
import { raw } from './helpers/odd-images.ts';
import { S3RVER_CREDENTIALS, type S3Server, startS3rver } from './helpers/s3.ts';
import { type WebApp, startDevServer } from './helpers/web-server.ts';

const BUCKET = 'webup';
const PREFIX = 'published';
const PUBLIC_BASE = 'https://iiif.example.org/scans';

let s3: S3Server;
let app: WebApp;
let browser: Browser;
let page: Page;
let dir: string;
let client: S3Client;


async function remoteObjects(): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const body = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
      out.set(o.Key!.slice(PREFIX.length + 1), Buffer.from(await body.Body!.transformToByteArray()));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function fillAndUpload(p: Page): Promise<{ state: string; text: string }> {
  await p.fill('[data-testid=upload-endpoint]', s3.endpoint);
  await p.fill('[data-testid=upload-region]', 'us-east-1');
  await p.fill('[data-testid=upload-bucket]', BUCKET);
  await p.fill('[data-testid=upload-prefix]', PREFIX);
  await p.fill('[data-testid=upload-baseUrl]', PUBLIC_BASE);
  await p.fill('[data-testid=upload-accessKeyId]', S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID);
  await p.fill('[data-testid=upload-secretAccessKey]', S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
  await p.check('[data-testid=upload-pathStyle]');
  const run = Number((await p.getAttribute('[data-testid=upload-status]', 'data-run')) ?? 0) + 1;
  await p.click('[data-testid=upload-start]');
  const status = `[data-testid=upload-status][data-run="${run}"]`;
  await p.waitForSelector(`${status}[data-state=done], ${status}[data-state=error]`, { timeout: 120_000 });
  return p.$eval('[data-testid=upload-status]', (el) => ({ state: (el as HTMLElement).dataset.state ?? '', text: el.textContent ?? '' }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-webup-'));
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3rver([BUCKET]);
  app = await startDevServer();
  const origin = new URL(app.url).origin;
  await setBucketCors(`s3://${BUCKET}`, { endpoint: s3.endpoint, pathStyle: true, origin });
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await raw(900, 640).jpeg({ quality: 92 }).toFile(join(dir, 'folio-12r.jpg'));
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  await page.goto(app.url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await s3?.stop();
  client?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('upload from the browser', () => {
  it('publishes every file of the stored image under the prefix, rewritten to the public base URL', async () => {
    const network = recordNetwork(page);
    await page.setInputFiles('[data-testid=file-input]', [join(dir, 'folio-12r.jpg')]);
    await page.waitForSelector('[data-testid=image-row][data-id="folio-12r"][data-state=done]', { timeout: 120_000 });
    const status = await fillAndUpload(page);
    expect(status.state, status.text).toBe('done');
    expect(network.errors()).toEqual([]);

    // The agent tiles the same file under the public base URL: the bucket must hold exactly that.
    const out = join(dir, 'agent');
    const report = await runTile([join(dir, 'folio-12r.jpg')], { out, options: resolveTileOptions({ baseUrl: PUBLIC_BASE }), jobs: 1, force: true });
    expect(report.totals.failed).toBe(0);
    const expected = filesUnder(out);
    expected.delete('folio-12r/.tessella.json');
    expected.delete('collection.json'); // its label is the folder's name for the agent, 'Tessella export' in the app
    const remote = await remoteObjects();
    const collection = JSON.parse(remote.get('collection.json')!.toString('utf8'));
    expect(collection.id).toBe(`${PUBLIC_BASE}/collection.json`);
    expect(collection.items.map((i: { id: string }) => i.id)).toEqual([`${PUBLIC_BASE}/folio-12r/manifest.json`]);
    remote.delete('collection.json');
    expect([...remote.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, bytes] of expected) expect(remote.get(key)!.equals(bytes), key).toBe(true);
  });

  it('uploads nothing the second time, and never stores the credentials', async () => {
    const status = await fillAndUpload(page);
    expect(status.state).toBe('done');
    expect(status.text).toMatch(/\b0 uploaded\b/);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
    expect(stored).toContain(BUCKET); // the non-secret target is remembered
  });

  it('resumes after a reload: only what is missing goes up', async () => {
    // Lose some objects remotely, as a run interrupted by closing the tab would.
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const tiles = [...(await remoteObjects()).keys()].filter((k) => k.endsWith('.jpg')).slice(0, 5);
    for (const k of tiles) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${k}` }));
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    // The form comes back with everything but the credentials.
    expect(await page.inputValue('[data-testid=upload-bucket]')).toBe(BUCKET);
    expect(await page.inputValue('[data-testid=upload-secretAccessKey]')).toBe('');
    const status = await fillAndUpload(page);
    expect(status.state).toBe('done');
    expect(status.text).toMatch(new RegExp(`\\b${tiles.length} uploaded\\b`));
    const remote = await remoteObjects();
    for (const k of tiles) expect(remote.has(k), k).toBe(true);
  });
});

