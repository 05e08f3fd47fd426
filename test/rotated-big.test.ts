// A big EXIF-rotated image through the agent's worker threads. Their libvips instances run a
// fixed set of threads, and libvips' own random-access load (a pipeline nested in another's
// thread) waits on that set forever: this image hung before decodeWhole. It is also big enough
// (over 100 MiB decoded) to be decoded to a temporary file, which must be gone afterwards.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTile } from '../agent/commands/tile.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { psnr } from './helpers/psnr.ts';

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
    // libvips names its temporary files vips-*.v (tsx keeps its cache here too).
    expect(readdirSync(temp).filter((name) => name.endsWith('.v'))).toEqual([]);
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
    expect(readdirSync(temp).filter((name) => name.endsWith('.v'))).toEqual([]);
  }, 120_000);
});
