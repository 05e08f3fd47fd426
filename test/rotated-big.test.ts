// A big EXIF-rotated image through the agent's worker threads. Their libvips instances run a
// fixed set of threads, and libvips' own random-access load (a pipeline nested in another's
// thread) waits on that set forever: this image hung before decodeWhole. It is also big enough
// (over 100 MiB decoded) to be decoded to a temporary file, which must be gone afterwards, even
// when the run is stopped half-way.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTile } from '../agent/commands/tile.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { psnr } from './helpers/psnr.ts';

const AGENT = join(import.meta.dirname, '..', 'agent', 'bin', 'agent.js');

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

/** libvips' temporary files (vips-*.v) anywhere under `dir` (tsx keeps its cache there too). */
const vipsTempFiles = (dir: string): string[] => filesUnder(dir).filter((f) => /(^|\/)vips-[^/]*\.v$/.test(f));

/** The agent's folders for them (scratch-dir.ts). */
const scratchDirs = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('tessella-'));

/** Start `agent tile` on `input` with TMPDIR `temp`; resolves once libvips is writing its temporary file. */
async function agentDecoding(input: string, out: string, temp: string): Promise<{ child: ChildProcess; file: string }> {
  const child = spawn(process.execPath, [AGENT, 'tile', input, '-o', out, '--jobs', '1', '--encoders', '1'], {
    env: { ...process.env, TMPDIR: temp },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const [file] = vipsTempFiles(temp);
    if (file) return { child, file };
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  throw new Error(`the agent never wrote a temporary file (exit code ${child.exitCode})`);
}

const W = 6000;
const H = 5900; // 6000 x 5900 x 3 = 106 MB decoded

let dir: string;
let temp: string;
const savedTmpdir = process.env.TMPDIR;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-rotated-'));
  temp = mkdtempSync(join(tmpdir(), 'tessella-rotated-temp-'));
  // Gradients across and down: a rotation or flip done wrong moves them.
  const pixels = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      pixels[i] = Math.round((x * 255) / W);
      pixels[i + 1] = Math.round((y * 255) / H);
      pixels[i + 2] = (x ^ y) & 0x80 ? 200 : 60;
    }
  }
  await sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 92 })
    .withMetadata({ orientation: 6 })
    .toFile(join(dir, 'rotated.jpg'));
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(dir, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

describe('a big EXIF-rotated image with encoder threads', () => {
  it('tiles upright, matches the source and leaves no temporary file', async () => {
    // The worker threads take TMPDIR from the environment they start with.
    process.env.TMPDIR = temp;
    const out = join(dir, 'out');
    const options = resolveTileOptions({});
    const report = await runTile([join(dir, 'rotated.jpg')], { out, options, jobs: 1, encoders: 1, force: true });
    const [image] = report.images;
    expect(image?.error).toBeNull();
    expect([image?.width, image?.height]).toEqual([H, W]);

    // full/max is the upright image, scaled down to the default size limit.
    const got = await sharp(join(out, 'rotated', 'full', 'max', '0', 'default.jpg')).raw().toBuffer({ resolveWithObject: true });
    const { width, height } = got.info;
    expect(width / height).toBeCloseTo(H / W, 2);
    const want = await sharp(join(dir, 'rotated.jpg')).rotate().resize(width, height, { fit: 'fill' }).raw().toBuffer();
    const db = psnr(got.data, want, got.info.channels, 3, width * height);
    expect(db).toBeGreaterThan(30);
    expect(vipsTempFiles(temp)).toEqual([]);
    expect(scratchDirs(temp)).toEqual([]);
  }, 120_000);

  it('a truncated one fails alone, saying so, and its temporary file is gone too', async () => {
    process.env.TMPDIR = temp;
    const whole = readFileSync(join(dir, 'rotated.jpg'));
    writeFileSync(join(dir, 'cut.jpg'), whole.subarray(0, whole.length >> 1));
    const out = join(dir, 'out-cut');
    const inputs = [join(dir, 'cut.jpg'), join(dir, 'rotated.jpg')];
    const report = await runTile(inputs, { out, options: resolveTileOptions({}), jobs: 1, encoders: 1, force: true });
    const byId = new Map(report.images.map((i) => [i.id, i]));
    expect(byId.get('cut')?.status).toBe('failed');
    expect(byId.get('cut')?.error).toBe('truncated file (VipsJpeg: premature end of JPEG image)');
    expect(byId.get('rotated')?.status).toBe('ok');
    expect(vipsTempFiles(temp)).toEqual([]);
    expect(scratchDirs(temp)).toEqual([]);
  }, 120_000);

  it('killed while decoding (kill -9): the next run removes what it left', async () => {
    const killed = mkdtempSync(join(dir, 'temp-killed-'));
    const { child, file } = await agentDecoding(join(dir, 'rotated.jpg'), join(dir, 'out-killed'), killed);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Nothing could clean up: the temporary file is still there, in the agent's folder.
    expect(vipsTempFiles(killed)).toEqual([file]);
    expect(scratchDirs(killed)).toHaveLength(1);
    expect(file.startsWith(`${scratchDirs(killed)[0]}/`)).toBe(true);

    process.env.TMPDIR = killed;
    const small = join(dir, 'small.jpg');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#468' } }).jpeg().toFile(small);
    const report = await runTile([small], { out: join(dir, 'out-after-kill'), options: resolveTileOptions({}), jobs: 1, encoders: 1, force: true });
    expect(report.images[0]?.status).toBe('ok');
    expect(vipsTempFiles(killed)).toEqual([]);
    expect(scratchDirs(killed)).toEqual([]);
  }, 120_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stopped while decoding (${signal}): the temporary file goes with it`, async () => {
      const stopped = mkdtempSync(join(dir, `temp-${signal}-`));
      const { child } = await agentDecoding(join(dir, 'rotated.jpg'), join(dir, `out-${signal}`), stopped);
      child.kill(signal);
      const [code, by] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      // It still stops the way that signal stops a program, for the shell or supervisor.
      expect({ code, by }).toEqual({ code: null, by: signal });
      expect(vipsTempFiles(stopped)).toEqual([]);
      expect(scratchDirs(stopped)).toEqual([]);
    }, 120_000);
  }
});
