// The official IIIF image validator's level-0 tests (iiif_validator/tests/: info_json, id_basic,
// format_jpg, id_squares, and for 3.0 size_nofull), reproduced against a tiled copy of its own
// test image served over HTTP on loopback, for Image API 3.0 and 2.1, with jpg tiles and with
// webp tiles (level 0 still promises full/max, or full/full, as jpg: the validator fetches it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, serve } from '../agent/commands/serve.ts';
import { runTile } from '../agent/commands/tile.ts';
import { validateFolder } from '../agent/commands/validate.ts';
import { type TileFormat, resolveTileOptions } from '../shared/options.ts';

const ROOT = resolve(__dirname, '..');
const SOURCE = resolve(ROOT, '..', 'shared', 'images', 'iiif-validator-test-1000x1000.png');
const ID = 'iiif-validator-test-1000x1000';

type Rgb = [number, number, number];

/** RGB pixels of an image (PNG source or fetched JPEG). */
async function rgb(input: string | Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * The validator's colour of square (x, y) of its 10x10 grid: the most frequent colour in the
 * 74x74 box starting 13 px inside the 100x100 square (do_test_square on img.crop).
 */
function squareColour(img: { data: Buffer; width: number }, x: number, y: number): Rgb {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (let j = y * 100 + 13; j < y * 100 + 87; j++) {
    for (let i = x * 100 + 13; i < x * 100 + 87; i++) {
      const k = (j * img.width + i) * 3;
      const key = (img.data[k]! << 16) | (img.data[k + 1]! << 8) | img.data[k + 2]!;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (n > bestCount) [best, bestCount] = [key, n];
    }
  }
  return [best >> 16, (best >> 8) & 0xff, best & 0xff];
}

const CASES: Array<{ version: 2 | 3; format: TileFormat }> = [
  { version: 3, format: 'jpg' },
  { version: 2, format: 'jpg' },
  { version: 3, format: 'webp' },
  { version: 2, format: 'webp' },
];

describe.each(CASES)('official image validator, level 0, Image API $version, $format tiles', ({ version, format }) => {
  let dir: string;
  let server: ServeHandle;
  let service: string;
  // The validator's default image request: v3 size `max`, v2 size `full`.
  const fullPath = version === 3 ? 'full/max/0/default.jpg' : 'full/full/0/default.jpg';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `tessella-image-validator-v${version}-${format}-`));
    server = await serve(dir, { port: 0, host: '127.0.0.1' });
    expect(server.url.endsWith('/')).toBe(true);
    // The tiler writes the id as base-url + id, so the base must be the server's /iiif.
    const baseUrl = `${server.url}iiif`;
    const report = await runTile([SOURCE], { out: dir, options: resolveTileOptions({ baseUrl, iiifVersion: version, format }), jobs: 1, force: false });
    expect(report.totals.failed).toBe(0);
    service = `${baseUrl}/${ID}`;
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('info_json: fields, types, and an id equal to the request URL minus /info.json', async () => {
    const url = `${service}/info.json`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const type = res.headers.get('content-type') ?? '';
    expect(type.includes('application/json') || type.includes('application/ld+json')).toBe(true);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const info = (await res.json()) as Record<string, any>;

    expect(Number.isInteger(info.width) && Number.isInteger(info.height)).toBe(true);
    expect([info.width, info.height]).toEqual([1000, 1000]);
    const idField = version === 3 ? 'id' : '@id';
    expect(typeof info[idField]).toBe('string');
    expect(info[idField].startsWith('http')).toBe(true);
    expect(info[idField]).toBe(url.replace('/info.json', ''));
    expect(info['@context']).toBe(`http://iiif.io/api/image/${version}/context.json`);
    expect(info.protocol).toBe('http://iiif.io/api/image');
    if (version === 2) {
      expect(Array.isArray(info.profile)).toBe(true);
      expect(info.profile[0].startsWith('http://iiif.io/api/image/2/level')).toBe(true);
    } else {
      expect(['level0', 'level1', 'level2']).toContain(info.profile);
      expect(info.type).toBe('ImageService3');
      for (const gone of ['license', 'attribution', 'logo']) expect(info).not.toHaveProperty(gone); // renamed or removed in 3.0
    }
    expect(Array.isArray(info.sizes) && info.sizes.length > 0).toBe(true);
    for (const size of info.sizes) expect(Number.isInteger(size.width) && Number.isInteger(size.height)).toBe(true);
    expect(Array.isArray(info.tiles) && info.tiles.length > 0).toBe(true);
    for (const t of info.tiles) {
      expect(Array.isArray(t.scaleFactors)).toBe(true);
      expect(Number.isInteger(t.width)).toBe(true);
    }
  });

  it(`id_basic: ${fullPath} is returned and decodes as an image`, async () => {
    const res = await fetch(`${service}/${fullPath}`);
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1000, 1000]);
  });

  it(`format_jpg: ${fullPath} is a JPEG`, async () => {
    const res = await fetch(`${service}/${fullPath}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe('jpeg');
  });

  it('id_squares: every square of the 10x10 grid has the colour of the original', async () => {
    const res = await fetch(`${service}/${fullPath}`);
    expect(res.status).toBe(200);
    const served = await rgb(Buffer.from(await res.arrayBuffer()));
    const original = await rgb(SOURCE);
    expect([served.width, served.height]).toEqual([original.width, original.height]);
    const colours = new Set<string>();
    // The validator samples 5 random squares and wants 4 right, each channel within 5: check all 100.
    for (let x = 0; x < 10; x++) {
      for (let y = 0; y < 10; y++) {
        const want = squareColour(original, x, y);
        const got = squareColour(served, x, y);
        colours.add(want.join(','));
        for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!), `square ${x},${y}: ${got} vs ${want}`).toBeLessThan(6);
      }
    }
    expect(colours.size).toBeGreaterThan(90); // the squares really differ, so a shifted image would fail
  });

  if (version === 3) {
    it('size_nofull: 3.0 replaced size `full` with `max`, so full/full is not served', async () => {
      const res = await fetch(`${service}/full/full/0/default.jpg`);
      expect(res.status).not.toBe(200);
      await res.arrayBuffer();
    });
  }

  if (format !== 'jpg') {
    it(`the output really is ${format}: ${fullPath.replace('.jpg', `.${format}`)} is served too`, async () => {
      const res = await fetch(`${service}/${fullPath.replace('.jpg', `.${format}`)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(`image/${format}`);
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe(format);
    });
  }

  it('agent validate finds no problems in the served folder', async () => {
    const report = await validateFolder(dir);
    expect(report.problems).toEqual([]);
    expect(report.images.map((i) => i.id)).toEqual([ID]);
  });
});
