// Publishing to S3 as a user runs it (`agent sync`, `agent tile --out s3://`, `agent s3 cors`),
// against a real S3-compatible server (s3rver), with a proxy that throttles, resets and
// corrupts, and a kill -9 in the middle of a sync. Every object is downloaded and compared.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetBucketCorsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../agent/commands/sync.ts';
import { runTile } from '../agent/commands/tile.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { filesUnder, publishableFiles } from './helpers/files.ts';
import { type S3Server, S3RVER_CREDENTIALS, startFaultProxy, startS3rver } from './helpers/s3.ts';
import { writeGradientImage } from './helpers/images.ts';

const ROOT = resolve(__dirname, '..');
const AGENT = join(ROOT, 'agent', 'bin', 'agent.js');
const BUCKET = 'iiif';
const CORS_BUCKET = 'cors-test';
const INFO_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"';
const PRESENTATION_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const agentEnv = { ...process.env, ...S3RVER_CREDENTIALS };

function startAgent(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [AGENT, ...args], { cwd: ROOT, env: agentEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((ok) => child.on('close', (code) => ok({ code, stdout, stderr })));
  return { child, done };
}

const agent = (args: string[]): Promise<Run> => startAgent(args).done;

interface SyncJson {
  totals: { planned: number; uploaded: number; skipped: number; deleted: number; failed: number; retries: number };
  plan: { upload: string[]; delete: string[] };
  failures: Array<{ key: string; error: string }>;
}

/** `agent sync DIR s3://iiif/PREFIX --json` against `endpoint`; the parsed report and the exit code. */
async function syncJson(dir: string, prefix: string, endpoint: string, extra: string[] = []): Promise<{ code: number | null; report: SyncJson; stderr: string }> {
  const run = await agent(['sync', dir, `s3://${BUCKET}/${prefix}`, '--endpoint', endpoint, '--path-style', '--json', ...extra]);
  let report: SyncJson;
  try {
    report = JSON.parse(run.stdout) as SyncJson;
  } catch {
    throw new Error(`agent sync printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, report, stderr: run.stderr };
}

/** A sync in this process (for set-up steps and reports; the command line is tested elsewhere). */
function syncHere(dir: string, prefix: string, endpoint: string, opts: { delete?: boolean; dryRun?: boolean; baseUrl?: string } = {}) {
  return runSync(dir, `s3://${BUCKET}/${prefix}`, { endpoint, pathStyle: true, concurrency: 8, delete: opts.delete ?? false, dryRun: opts.dryRun ?? false, baseUrl: opts.baseUrl });
}



const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

let s3: S3Server;
let client: S3Client;
let work: string;
let images: string[];
/** A real tiler output of three small images (v3, 64-pixel tiles so there are a few hundred files). */
let out: string;

/** Every object in the bucket (all prefixes): key -> "size:etag". */
async function listBucket(prefix = ''): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) all.set(o.Key!, `${o.Size}:${(o.ETag ?? '').replace(/"/g, '')}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return all;
}

/** Keys under `prefix/`, relative to it. */
async function remoteKeys(prefix: string): Promise<string[]> {
  return [...(await listBucket(`${prefix}/`)).keys()].map((k) => k.slice(prefix.length + 1)).sort();
}

const objectUrl = (key: string): string => `${s3.endpoint}/${BUCKET}/${key.split('/').map(encodeURIComponent).join('/')}`;

async function download(key: string): Promise<Buffer> {
  const res = await fetch(objectUrl(key));
  expect(res.status, key).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** `fn` over every item, a few at a time: hundreds of objects, one loopback server. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 16) await Promise.all(items.slice(i, i + 16).map(fn));
}

/** The remote prefix holds exactly `expected` (key -> bytes): same keys, byte for byte. */
async function expectRemoteEquals(prefix: string, expected: Map<string, Buffer>): Promise<void> {
  expect(await remoteKeys(prefix)).toEqual([...expected.keys()].sort());
  const mismatched: string[] = [];
  await inBatches([...expected.keys()], async (k) => {
    if (!(await download(`${prefix}/${k}`)).equals(expected.get(k)!)) mismatched.push(k);
  });
  expect(mismatched).toEqual([]);
}

/** A private copy of the fixture output, for tests that change local files. */
function copyOfOutput(name: string): string {
  const dir = join(work, name);
  cpSync(out, dir, { recursive: true });
  return dir;
}

const isTile = (key: string): boolean => key.endsWith('/default.jpg');

beforeAll(async () => {
  // For the syncs run in this process.
  Object.assign(process.env, S3RVER_CREDENTIALS);
  work = mkdtempSync(join(tmpdir(), 'tessella-sync-'));
  s3 = await startS3rver([BUCKET, CORS_BUCKET]);
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const inputs = join(work, 'inputs');
  mkdirSync(inputs);
  images = [
    await writeGradientImage(inputs, 'alpha', { width: 700, height: 500 }, 'png'),
    await writeGradientImage(inputs, 'beta', { width: 300, height: 260 }, 'jpg'),
    await writeGradientImage(inputs, 'gamma', { width: 257, height: 257 }, 'png'),
  ];
  out = join(work, 'out');
  const report = await runTile(images, { out, options: resolveTileOptions({ tileSize: 64 }), jobs: 1, encoders: 0, force: false });
  expect(report.totals.failed).toBe(0);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('agent sync', () => {
  it('publishes every file byte for byte, with IIIF content types and cache headers, never dot files', async () => {
    const expected = publishableFiles(out);
    expect([...filesUnder(out).keys()].filter((k) => k.endsWith('.tessella.json'))).toHaveLength(3);
    expect(expected.size).toBeGreaterThan(150);

    const run = await agent(['sync', out, `s3://${BUCKET}/full`, '--endpoint', s3.endpoint, '--path-style']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`uploaded ${expected.size}, 0 unchanged`);
    await expectRemoteEquals('full', expected);
    expect((await remoteKeys('full')).filter((k) => k.includes('/.'))).toEqual([]);

    await inBatches([...expected.keys()], async (key) => {
      const head = await fetch(objectUrl(`full/${key}`), { method: 'HEAD' });
      const type = head.headers.get('content-type');
      const cache = head.headers.get('cache-control');
      if (isTile(key)) {
        expect(type, key).toBe('image/jpeg');
        expect(cache, key).toMatch(/max-age=31536000/);
        expect(cache, key).toMatch(/immutable/);
      } else {
        expect(type, key).toBe(key.endsWith('/info.json') ? INFO_TYPE : PRESENTATION_TYPE);
        const maxAge = Number(/max-age=(\d+)/.exec(cache ?? '')?.[1]);
        expect(maxAge, key).toBeLessThanOrEqual(3600);
        expect(cache, key).not.toMatch(/immutable/);
      }
    });
  });

  it('uploads nothing when nothing changed, exactly one object when one tile changed, deletes exactly one with --delete', async () => {
    const dir = copyOfOutput('incremental');
    const first = await syncHere(dir, 'incr', s3.endpoint);
    const total = first.totals.uploaded;
    expect(total).toBe(publishableFiles(dir).size);

    const noop = await syncJson(dir, 'incr', s3.endpoint);
    expect(noop.code).toBe(0);
    expect(noop.report.totals).toMatchObject({ uploaded: 0, skipped: total, failed: 0, deleted: 0 });

    // Rewrite one tile's bytes: same size, different content.
    const changed = [...publishableFiles(dir).keys()].find(isTile)!;
    const file = join(dir, changed);
    const bytes = readFileSync(file);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x5a;
    writeFileSync(file, bytes);
    const one = await syncJson(dir, 'incr', s3.endpoint);
    expect(one.code).toBe(0);
    expect(one.report.totals).toMatchObject({ uploaded: 1, skipped: total - 1, failed: 0 });
    expect(one.report.plan.upload).toEqual([changed]);
    expect((await download(`incr/${changed}`)).equals(bytes)).toBe(true);

    // Objects outside the prefix, one of them under a prefix that merely starts the same way.
    for (const key of ['elsewhere/keep.txt', 'incr-other/keep.txt', 'incrkeep.txt']) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `keep ${key}` }));
    }
    const before = await listBucket();
    const removed = [...publishableFiles(dir).keys()].filter(isTile).at(-1)!;
    rmSync(join(dir, removed));
    const del = await syncJson(dir, 'incr', s3.endpoint, ['--delete']);
    expect(del.code).toBe(0);
    expect(del.report.totals).toMatchObject({ uploaded: 0, deleted: 1, failed: 0 });
    expect(del.report.plan.delete).toEqual([removed]);
    const after = await listBucket();
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([`incr/${removed}`]);
    expect(after.size).toBe(before.size - 1);
    for (const key of ['elsewhere/keep.txt', 'incr-other/keep.txt', 'incrkeep.txt']) expect((await download(key)).toString()).toBe(`keep ${key}`);
    await expectRemoteEquals('incr', publishableFiles(dir));
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const dir = copyOfOutput('dry');
    expect((await syncHere(dir, 'dry', s3.endpoint)).totals.failed).toBe(0);
    const tiles = [...publishableFiles(dir).keys()].filter(isTile);
    const changed = tiles[0]!;
    const removed = tiles[1]!;
    writeFileSync(join(dir, changed), Buffer.concat([readFileSync(join(dir, changed)), Buffer.from([0])]));
    rmSync(join(dir, removed));
    const before = await listBucket();

    const run = await agent(['sync', dir, `s3://${BUCKET}/dry`, '--endpoint', s3.endpoint, '--path-style', '--delete', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([`upload  ${changed}`, `delete  ${removed}`]);
    expect(run.stderr).toMatch(/dry run: would upload 1, \d+ unchanged, 1 to delete/);
    expect(await listBucket()).toEqual(before);

    const report = await syncHere(dir, 'dry', s3.endpoint, { delete: true, dryRun: true });
    expect(report.plan).toEqual({ upload: [changed], delete: [removed] });
    expect(report.totals).toMatchObject({ uploaded: 0, deleted: 0 });
    expect(await listBucket()).toEqual(before);
  });

  it('--base-url rewrites the ids of info.json, manifests and the collection on upload, not tiles, not local files', async () => {
    const base = 'https://example.org/iiif';
    const localBefore = filesUnder(out);
    const mtimes = new Map([...localBefore.keys()].map((k) => [k, statSync(join(out, k)).mtimeMs]));
    const first = await syncJson(out, 'based', s3.endpoint, ['--base-url', base]);
    expect(first.code).toBe(0);
    expect(first.report.totals.failed).toBe(0);

    const expected = publishableFiles(out);
    expect(await remoteKeys('based')).toEqual([...expected.keys()].sort());
    const ids = ['alpha', 'beta', 'gamma'];
    for (const id of ids) {
      const info = JSON.parse((await download(`based/${id}/info.json`)).toString()) as { id: string };
      expect(info.id).toBe(`${base}/${id}`);
      const manifestText = (await download(`based/${id}/manifest.json`)).toString();
      const manifest = JSON.parse(manifestText) as { id: string };
      expect(manifest.id).toBe(`${base}/${id}/manifest.json`);
      expect(manifestText).toContain(`"${base}/${id}"`);
      expect(manifestText).not.toContain('127.0.0.1:8080');
    }
    const collectionText = (await download('based/collection.json')).toString();
    const collection = JSON.parse(collectionText) as { id: string; items: Array<{ id: string }> };
    expect(collection.id).toBe(`${base}/collection.json`);
    expect(collection.items.map((i) => i.id).sort()).toEqual(ids.map((id) => `${base}/${id}/manifest.json`));
    expect(collectionText).not.toContain('127.0.0.1:8080');
    // Tiles as they are, byte for byte.
    await inBatches([...expected.keys()].filter((k) => !k.endsWith('.json')), async (key) => {
      expect((await download(`based/${key}`)).equals(expected.get(key)!), key).toBe(true);
    });
    // The local output is untouched.
    const localAfter = filesUnder(out);
    expect([...localAfter.keys()].sort()).toEqual([...localBefore.keys()].sort());
    for (const [k, b] of localBefore) {
      expect(localAfter.get(k)!.equals(b), k).toBe(true);
      expect(statSync(join(out, k)).mtimeMs, k).toBe(mtimes.get(k));
    }

    const again = await syncJson(out, 'based', s3.endpoint, ['--base-url', base]);
    expect(again.code).toBe(0);
    expect(again.report.totals).toMatchObject({ uploaded: 0, skipped: expected.size, failed: 0 });
  });

  it('completes with every object correct through 30% SlowDown and connection resets, and reports the retries', async () => {
    const proxy = await startFaultProxy(s3.endpoint, { failRate: 0.3, seed: 7 });
    try {
      const { code, report, stderr } = await syncJson(out, 'faults', proxy.endpoint);
      expect(code, stderr).toBe(0);
      expect(report.totals.failed).toBe(0);
      expect(report.totals.uploaded).toBe(publishableFiles(out).size);
      expect(report.totals.retries).toBeGreaterThan(0);
      expect(proxy.counts.slowdown).toBeGreaterThan(0);
      expect(proxy.counts['reset-request']).toBeGreaterThan(0);
      expect(proxy.counts['reset-response']).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
    // Checked straight on the server, not through the proxy.
    await expectRemoteEquals('faults', publishableFiles(out));
  });

  it('verifies every upload: bodies corrupted on the way and wrong ETags are caught and uploaded again', async () => {
    // s3rver does not check Content-MD5, so only the client's ETag check stands between a
    // corrupted body and a corrupt object.
    const proxy = await startFaultProxy(s3.endpoint, { failRate: 0.3, seed: 11, faults: ['corrupt-body', 'corrupt-etag'] });
    try {
      const { code, report, stderr } = await syncJson(out, 'corrupt', proxy.endpoint);
      expect(code, stderr).toBe(0);
      expect(report.totals.failed).toBe(0);
      expect(report.totals.retries).toBeGreaterThanOrEqual(proxy.counts['corrupt-body'] + proxy.counts['corrupt-etag']);
      expect(proxy.counts['corrupt-body']).toBeGreaterThan(0);
      expect(proxy.counts['corrupt-etag']).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
    await expectRemoteEquals('corrupt', publishableFiles(out));
  });

  it('exits 1 and lists the object when one object fails for good', async () => {
    const denied = [...publishableFiles(out).keys()].filter(isTile)[5]!;
    const proxy = await startFaultProxy(s3.endpoint, { rule: (r) => (r.method === 'PUT' && r.key === `denied/${denied}` ? 'deny' : undefined) });
    try {
      const run = await agent(['sync', out, `s3://${BUCKET}/denied`, '--endpoint', proxy.endpoint, '--path-style']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`failed  ${denied}: AccessDenied`);
      expect(run.stderr).toMatch(/, 1 failed/);
      const again = await syncHere(out, 'denied', proxy.endpoint);
      expect(again.totals).toMatchObject({ uploaded: 0, failed: 1, skipped: publishableFiles(out).size - 1 });
      expect(again.failures.map((f) => f.key)).toEqual([denied]);
      expect(again.failures[0]!.error).toMatch(/AccessDenied/);
      // Not retried as if it were a passing fault: one PUT per run.
      expect(proxy.counts.deny).toBe(2);
    } finally {
      await proxy.stop();
    }
    const expected = publishableFiles(out);
    expected.delete(denied);
    await expectRemoteEquals('denied', expected);
  });

  it('publishing one entry (as tile --out s3:// does per image) compares with and deletes within that entry only', async () => {
    const outside = ['scoped/alpha2/x.jpg', 'scoped/alpha.txt', 'scoped/beta/stale.jpg'];
    for (const key of outside) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    const opts = { endpoint: s3.endpoint, pathStyle: true, concurrency: 8, delete: true, dryRun: false, only: ['alpha'] };
    const alpha = new Map([...publishableFiles(out)].filter(([k]) => k.startsWith('alpha/')));
    const first = await runSync(out, `s3://${BUCKET}/scoped`, opts);
    expect(first.totals).toMatchObject({ uploaded: alpha.size, skipped: 0, deleted: 0, failed: 0 });
    expect(first.plan.delete).toEqual([]);

    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'scoped/alpha/stale.jpg', Body: 'stale' }));
    const second = await runSync(out, `s3://${BUCKET}/scoped`, opts);
    expect(second.totals).toMatchObject({ uploaded: 0, skipped: alpha.size, deleted: 1, failed: 0 });
    expect(second.plan.delete).toEqual(['alpha/stale.jpg']);
    const remaining = await listBucket('scoped/');
    for (const key of outside) expect(remaining.has(key), key).toBe(true);
    expect(remaining.size).toBe(alpha.size + outside.length);
    await expectRemoteEquals('scoped/alpha', new Map([...alpha].map(([k, b]) => [k.slice('alpha/'.length), b])));
  });

  it('resumes after kill -9 in the middle: uploads only what is missing or different, and ends complete', async () => {
    const expected = publishableFiles(out);
    // Two uploads at a time through a proxy that holds each request: a sync of a few seconds.
    const proxy = await startFaultProxy(s3.endpoint, { delayMs: 30 });
    let killedAt: number;
    try {
      const { child, done } = startAgent(['sync', out, `s3://${BUCKET}/killed`, '--endpoint', proxy.endpoint, '--path-style', '--concurrency', '2', '--json']);
      for (;;) {
        const there = (await remoteKeys('killed')).length;
        if (there >= 30) break;
        if (child.exitCode !== null) throw new Error('the sync ended before it could be killed');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      const killed = await done;
      expect(killed.code).toBe(null);
      expect(killed.stdout).toBe('');
      killedAt = (await remoteKeys('killed')).length;
      expect(killedAt).toBeLessThan(expected.size);
    } finally {
      await proxy.stop();
    }

    // What a correct resume must upload: what is missing or not the same bytes.
    const remote = await listBucket('killed/');
    const needed = [...expected]
      .filter(([k, b]) => remote.get(`killed/${k}`) !== `${b.length}:${md5(b)}`)
      .map(([k]) => k)
      .sort();
    expect(needed.length).toBeLessThan(expected.size);
    const resumed = await syncJson(out, 'killed', s3.endpoint);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.report.totals).toMatchObject({ uploaded: needed.length, skipped: expected.size - needed.length, failed: 0 });
    expect([...resumed.report.plan.upload].sort()).toEqual(needed);
    await expectRemoteEquals('killed', expected);
  });
});

describe('agent tile --out s3://', () => {
  it('publishes every image and the collection, and a rerun uploads nothing', async () => {
    const workDir = join(work, 'tile-work');
    const args = ['tile', ...images, '--out', `s3://${BUCKET}/tiled`, '--endpoint', s3.endpoint, '--path-style', '--work', workDir, '--tile-size', '64', '--jobs', '1', '--encoders', '0', '--json'];
    const first = await agent(args);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { images: Array<{ id: string; status: string }>; published: { uploaded: number; failed: number }; work_dir: string };
    expect(report.images.map((i) => i.status)).toEqual(['ok', 'ok', 'ok']);
    expect(report.work_dir).toBe(workDir);
    const expected = publishableFiles(workDir);
    expect(report.published).toMatchObject({ uploaded: expected.size, failed: 0 });
    for (const id of ['alpha', 'beta', 'gamma']) {
      expect(expected.has(`${id}/info.json`)).toBe(true);
      expect(expected.has(`${id}/manifest.json`)).toBe(true);
    }
    expect(expected.has('collection.json')).toBe(true);
    await expectRemoteEquals('tiled', expected);
    const collection = JSON.parse((await download('tiled/collection.json')).toString()) as { items: unknown[] };
    expect(collection.items).toHaveLength(3);

    const rerun = await agent(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    const again = JSON.parse(rerun.stdout) as { images: Array<{ status: string }>; published: { uploaded: number; skipped: number; failed: number } };
    expect(again.images.map((i) => i.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(again.published).toEqual(expect.objectContaining({ uploaded: 0, skipped: expected.size, failed: 0 }));
  });
});

describe('agent s3 cors', () => {
  it('lets viewers GET from anywhere and the web app PUT from its origin, with the ETag readable', async () => {
    const origin = 'http://localhost:5173';
    const run = await agent(['s3', 'cors', `s3://${CORS_BUCKET}`, '--origin', origin, '--endpoint', s3.endpoint, '--path-style']);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as unknown[];

    const { CORSRules: rules = [] } = await client.send(new GetBucketCorsCommand({ Bucket: CORS_BUCKET }));
    expect(printed).toEqual(JSON.parse(JSON.stringify(rules)));
    const read = rules.find((r) => r.AllowedMethods?.includes('GET'))!;
    expect(read.AllowedOrigins).toEqual(['*']);
    expect([...read.AllowedMethods!].sort()).toEqual(['GET', 'HEAD']);
    const write = rules.find((r) => r.AllowedMethods?.includes('PUT'))!;
    expect(write.AllowedOrigins).toEqual([origin]);
    expect(write.AllowedMethods).toEqual(expect.arrayContaining(['PUT', 'POST']));
    expect(write.ExposeHeaders).toEqual(['ETag']);

    // The server applies them: preflights as a browser sends them.
    const preflight = (from: string, method: string): Promise<Response> =>
      fetch(`${s3.endpoint}/${CORS_BUCKET}/a/info.json`, {
        method: 'OPTIONS',
        headers: { Origin: from, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'content-type' },
      });
    const put = await preflight(origin, 'PUT');
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-methods')).toContain('PUT');
    expect((await preflight('https://elsewhere.example', 'PUT')).status).toBe(403);
    const get = await preflight('https://elsewhere.example', 'GET');
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });
});
