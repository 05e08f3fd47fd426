// `agent tile` as a user runs it: bad inputs fail alone, usage errors, skip and force,
// metadata, duplicate ids, and a kill -9 in the middle of an image followed by a rerun.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImage, planPaths } from '../shared/iiif/plan.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { STAMP_FILE } from '../shared/sink.ts';
import { pathsUnder } from './helpers/files.ts';
import { raw } from './helpers/odd-images.ts';

const ROOT = resolve(__dirname, '..');
const AGENT = join(ROOT, 'agent', 'bin', 'agent.js');
const SHARED = resolve(ROOT, '..', 'shared');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function agent(args: string[], opts: { cwd?: string } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [AGENT, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function pngWithHeader(width: number, height: number): Buffer {
  // A PNG whose header claims a huge size: the decompression-bomb shape, without the bomb.
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const idat = deflateSync(Buffer.alloc(100_000));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad inputs fail alone', () => {
  it('each gets one line naming the file and the reason; the good images complete', async () => {
    const inDir = join(dir, 'bad');
    mkdirSync(inDir);
    const kleiber = readFileSync(join(SHARED, 'images', 'Kleiber_by_Lukas_Baubkus.jpg'));
    writeFileSync(join(inDir, 'empty.jpg'), '');
    writeFileSync(join(inDir, 'truncated.jpg'), kleiber.subarray(0, Math.floor(kleiber.length / 3)));
    writeFileSync(join(inDir, 'corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(20000, 0x5a)]));
    writeFileSync(join(inDir, 'notes.jpg'), 'these are not pixels\n');
    writeFileSync(join(inDir, 'scan.jp2'), Buffer.concat([Buffer.from([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]), Buffer.alloc(500)]));
    writeFileSync(join(inDir, 'doc.pdf'), '%PDF-1.4\n%%EOF\n');
    writeFileSync(join(inDir, 'bomb.png'), pngWithHeader(100_000, 100_000));
    // A JPEG whose SOF claims 65000x65000: the limit applies once libvips has read the header.
    const jpeg = await raw(64, 64).jpeg().toBuffer();
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(65000, sof + 5);
    jpeg.writeUInt16BE(65000, sof + 7);
    writeFileSync(join(inDir, 'bomb2.jpg'), jpeg);
    await raw(300, 200).jpeg().toFile(join(inDir, 'good-a.jpg'));
    await raw(500, 100).png().toFile(join(inDir, 'good-b.png'));

    const out = join(dir, 'bad-out');
    const r = await agent(['tile', inDir, '--out', out, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const byId = Object.fromEntries(report.images.map((i: { id: string }) => [i.id, i]));
    expect(byId['good-a'].status).toBe('ok');
    expect(byId['good-b'].status).toBe('ok');
    const reasons: Record<string, RegExp> = {
      empty: /empty file/,
      truncated: /truncated/,
      corrupt: /damaged|not an image|truncated/,
      notes: /not an image/,
      scan: /unsupported format: JPEG 2000/,
      doc: /unsupported format: PDF/,
      bomb: /100000x100000.*over the limit/,
      bomb2: /65000x65000.*over the limit/,
    };
    for (const [id, reason] of Object.entries(reasons)) {
      expect(byId[id].status, id).toBe('failed');
      expect(byId[id].error, id).toMatch(reason);
      // One line on stderr names the file and the reason.
      const line = r.stderr.split('\n').find((l) => l.startsWith('failed') && l.includes(`${id}.`));
      expect(line, id).toBeDefined();
      expect(line).toContain(byId[id].error);
      expect(existsSync(join(out, id)), id).toBe(false);
    }
    expect(report.totals).toMatchObject({ ok: 2, failed: 8, skipped: 0 });
    // Nothing half-made is left behind.
    expect(readdirSync(join(out, '.tessella-staging'))).toEqual([]);
    const collection = JSON.parse(readFileSync(join(out, 'collection.json'), 'utf8'));
    expect(collection.items.map((i: { id: string }) => i.id.split('/').at(-2)).sort()).toEqual(['good-a', 'good-b']);
  });
});

describe('usage', () => {
  it.each([
    [['tile', 'x.jpg', '--out', 'o', '--bogus']],
    [['tile', 'x.jpg']],
    [['tile', 'x.jpg', '--out', 'o', '--quality', '0']],
    [['tile', 'x.jpg', '--out', 'o', '--tile-size', 'big']],
    [['tile', 'x.jpg', '--out', 'o', '--iiif', '4']],
    [['tile', 'x.jpg', '--out', 'o', '--base-url', 'not a url']],
    [['tile', 'x.jpg', '--out', 'o', '--max-size', '100']],
    [['frobnicate']],
  ])('%j exits 2 with a message', async (args) => {
    const r = await agent(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error|unknown|missing|invalid/i);
  });

  it('--help documents every option and exits 0', async () => {
    const r = await agent(['tile', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--base-url', '--iiif', '--tile-size', '--format', '--quality', '--max-size', '--metadata', '--jobs', '--force', '--json']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('a missing input is reported and the rest completes', async () => {
    await raw(64, 64).jpeg().toFile(join(dir, 'small.jpg'));
    const r = await agent(['tile', join(dir, 'small.jpg'), join(dir, 'nope.jpg'), '--out', join(dir, 'missing-out'), '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.images.map((i: { status: string }) => i.status).sort()).toEqual(['failed', 'ok']);
  });
});

describe('reruns', () => {
  it('skips complete images, refreshes manifests when metadata changes, redoes them with --force', async () => {
    const inDir = join(dir, 'rerun');
    mkdirSync(inDir);
    await raw(700, 500).jpeg().toFile(join(inDir, 'plate-1.jpg'));
    await raw(400, 900).jpeg().toFile(join(inDir, 'Plate 2 (verso).jpg'));
    const out = join(dir, 'rerun-out');
    const first = JSON.parse((await agent(['tile', inDir, '--out', out, '--json'])).stdout);
    expect(first.images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);
    // A file name that is not URL-safe gets a safe id; a safe one is kept as it is.
    expect(first.images.map((i: { id: string }) => i.id).sort()).toEqual(['Plate-2-verso', 'plate-1']);
    const tileFile = join(out, 'plate-1', '0,0,256,256', '256,256', '0', 'default.jpg');
    const mtime = statSync(tileFile).mtimeMs;

    const csv = join(dir, 'meta.csv');
    writeFileSync(csv, 'file,title,summary,rights,attribution,Date\nplate-1.jpg,"First plate, recto",A summary,https://creativecommons.org/licenses/by/4.0/,Tessella Library,1850\n');
    const second = await agent(['tile', inDir, '--out', out, '--json', '--metadata', csv]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).images.map((i: { status: string }) => i.status)).toEqual(['skipped', 'skipped']);
    expect(statSync(tileFile).mtimeMs).toBe(mtime);
    const manifest = JSON.parse(readFileSync(join(out, 'plate-1', 'manifest.json'), 'utf8'));
    expect(manifest.label).toEqual({ none: ['First plate, recto'] });
    expect(manifest.summary).toEqual({ none: ['A summary'] });
    expect(manifest.rights).toBe('http://creativecommons.org/licenses/by/4.0/');
    expect(manifest.requiredStatement.value).toEqual({ none: ['Tessella Library'] });
    expect(manifest.metadata).toEqual([{ label: { none: ['Date'] }, value: { none: ['1850'] } }]);
    const collection = JSON.parse(readFileSync(join(out, 'collection.json'), 'utf8'));
    expect(collection.items.find((i: { id: string }) => i.id.endsWith('/plate-1/manifest.json')).label).toEqual({ none: ['First plate, recto'] });

    const forced = JSON.parse((await agent(['tile', inDir, '--out', out, '--json', '--force'])).stdout);
    expect(forced.images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);
    // Changing an option that changes the output retiles without --force.
    const v2 = JSON.parse((await agent(['tile', inDir, '--out', out, '--json', '--iiif', '2'])).stdout);
    expect(v2.images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);
    expect(JSON.parse(readFileSync(join(out, 'plate-1', 'info.json'), 'utf8'))['@context']).toBe('http://iiif.io/api/image/2/context.json');
    expect(existsSync(join(out, 'plate-1', '0,0,256,256', '256,256'))).toBe(false);
  });

  it('two inputs with the same id are a clear error', async () => {
    mkdirSync(join(dir, 'dup', 'a'), { recursive: true });
    mkdirSync(join(dir, 'dup', 'b'), { recursive: true });
    await raw(64, 64).jpeg().toFile(join(dir, 'dup', 'a', 'folio.jpg'));
    await raw(64, 64).png().toFile(join(dir, 'dup', 'b', 'folio.png'));
    const r = await agent(['tile', join(dir, 'dup'), '--out', join(dir, 'dup-out'), '--json']);
    expect(r.code).toBe(1);
    const images = JSON.parse(r.stdout).images;
    expect(images).toHaveLength(2);
    for (const i of images) {
      expect(i.status).toBe('failed');
      expect(i.error).toMatch(/same|both.*"folio"/);
    }
  });
});

describe('kill -9 and resume', () => {
  async function killWhileTiling(args: string[], staging: string): Promise<void> {
    const child: ChildProcess = spawn(process.execPath, [AGENT, ...args], { cwd: ROOT, stdio: 'ignore' });
    // Wait until the image is half made: tiles are being written aside.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const written = existsSync(staging) ? readdirSync(staging).flatMap((d) => (existsSync(join(staging, d)) ? readdirSync(join(staging, d)) : [])).length : 0;
      if (written > 20) break;
      if (Date.now() > deadline) throw new Error('tiling never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  it('leaves no half-made image that looks finished, and the rerun completes the batch', async () => {
    const inDir = join(dir, 'kill');
    mkdirSync(inDir);
    const big = join(inDir, 'big.jpg');
    await sharp({ create: { width: 5000, height: 5000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 50 }, background: '#808080' } }).jpeg().toFile(big);
    await raw(300, 300).jpeg().toFile(join(inDir, 'small.jpg'));
    const out = join(dir, 'kill-out');
    const staging = join(out, '.tessella-staging');

    await killWhileTiling(['tile', big, '--out', out, '--jobs', '1'], staging);
    expect(existsSync(join(out, 'big'))).toBe(false);

    const rerun = await agent(['tile', inDir, '--out', out, '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout).images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);
    expect(readdirSync(staging)).toEqual([]);
    const options = resolveTileOptions({});
    const plan = planImage({ width: 5000, height: 5000 }, options);
    const expected = [...planPaths(plan, options), 'info.json', 'manifest.json', STAMP_FILE].sort();
    expect(pathsUnder(join(out, 'big'))).toEqual(expected);

    // Killed while replacing a finished image (--force): the old complete image stays.
    const before = readFileSync(join(out, 'big', STAMP_FILE), 'utf8');
    await killWhileTiling(['tile', big, '--out', out, '--jobs', '1', '--force'], staging);
    expect(readFileSync(join(out, 'big', STAMP_FILE), 'utf8')).toBe(before);
    expect(pathsUnder(join(out, 'big'))).toEqual(expected);
    const again = await agent(['tile', inDir, '--out', out, '--json']);
    expect(JSON.parse(again.stdout).images.map((i: { status: string }) => i.status)).toEqual(['skipped', 'skipped']);
    expect(readdirSync(staging)).toEqual([]);
  });
});

describe('inputs', () => {
  it('takes files, folders (recursive) and globs', async () => {
    const inDir = join(dir, 'globs');
    mkdirSync(join(inDir, 'sub', 'deeper'), { recursive: true });
    await raw(40, 30).jpeg().toFile(join(inDir, 'one.jpg'));
    await raw(40, 30).png().toFile(join(inDir, 'sub', 'two.png'));
    await raw(40, 30).tiff().toFile(join(inDir, 'sub', 'deeper', 'three.TIF'));
    writeFileSync(join(inDir, 'sub', 'readme.txt'), 'not an image');
    copyFileSync(join(inDir, 'one.jpg'), join(dir, 'loose.jpg'));
    const r = await agent(['tile', join(inDir, 'sub'), `${inDir}/*.jpg`, join(dir, 'loose.jpg'), '--out', join(dir, 'globs-out'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).images.map((i: { id: string }) => i.id).sort()).toEqual(['loose', 'one', 'three', 'two']);
  });
});
