// `agent validate`: good output folders pass (v3, v2, webp, with and without the IIIF schema);
// each kind of breakage is reported; the URLs it checks are the files the tiler plans;
// its Mirador port agrees with Mirador's own code; the schema rejects what the notes say.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { tsImport } from 'tsx/esm/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValidation, validateFolder } from '../agent/commands/validate.ts';
import { runTile } from '../agent/commands/tile.ts';
import { ExpectedFiles, checkFiles, serviceFiles } from '../agent/lib/validate-files.ts';
import { readImageHeader } from '../agent/lib/validate-header.ts';
import { checkInfoJson } from '../agent/lib/validate-info.ts';
import { Problems } from '../agent/lib/validate-json.ts';
import { MIRADOR_PREFERRED_FORMATS, MIRADOR_THUMBNAIL_REQUESTS, miradorThumbnail, miradorThumbnails } from '../agent/lib/validate-mirador.ts';
import { loadSchema } from '../agent/lib/validate-schema.ts';
import { planImage, planPaths } from '../shared/iiif/plan.ts';
import { type TileOptions, resolveTileOptions } from '../shared/options.ts';
import { writeGradientImage } from './helpers/images.ts';

const ROOT = resolve(__dirname, '..');
const AGENT = join(ROOT, 'agent', 'bin', 'agent.js');
const SCHEMA_DIR = resolve(ROOT, '..', 'shared', 'iiif-schema');
const SCHEMA = join(SCHEMA_DIR, 'iiif_3_0.json');

// Images that fit in one tile (or nearly: 1x300 is two 1x256 tiles, then one) and bigger ones.
const SIZES = [
  { width: 1, height: 1 },
  { width: 1, height: 300 },
  { width: 255, height: 255 },
  { width: 300, height: 200 },
  { width: 1000, height: 700 },
];
const IDS = SIZES.map((s) => `img-${s.width}x${s.height}`).sort();

let work: string;
let sources: string[];
const folders: Record<'v3' | 'v2' | 'webp', string> = { v3: '', v2: '', webp: '' };
const options: Record<keyof typeof folders, TileOptions> = {
  v3: resolveTileOptions({ iiifVersion: 3, tileSize: 256 }),
  // Capped: the 1000x700 image declares maxWidth/maxHeight 500x350 and full/full is that size.
  v2: resolveTileOptions({ iiifVersion: 2, tileSize: 256, maxSize: 500 }),
  webp: resolveTileOptions({ iiifVersion: 3, tileSize: 256, format: 'webp' }),
};

async function tile(inputs: string[], name: keyof typeof folders): Promise<void> {
  folders[name] = join(work, name);
  const report = await runTile(inputs, { out: folders[name], options: options[name], jobs: 1, force: false });
  expect(report.totals.failed).toBe(0);
}

/** The source image of an id. */
function sourceFor(id: string): string {
  return sources.find((f) => f.endsWith(`/${id}.png`))!;
}

/** A fresh copy of a good folder, to break. */
function copyOf(name: keyof typeof folders): string {
  const dir = mkdtempSync(join(work, `broken-${name}-`));
  cpSync(folders[name], dir, { recursive: true });
  return dir;
}

function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
}

function writeJson(file: string, json: unknown): void {
  writeFileSync(file, JSON.stringify(json, null, 2));
}

function runAgent(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [AGENT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => done({ code, stdout }));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tessella-validate-'));
  sources = [];
  for (const size of SIZES) sources.push(await writeGradientImage(work, `img-${size.width}x${size.height}`, size));
  await tile(sources, 'v3');
  await tile(sources, 'v2');
  await tile(sources, 'webp');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('good folders', () => {
  it.each(['v3', 'v2', 'webp'] as const)('%s: no problems, no warnings, every image and URL counted', async (name) => {
    const report = await validateFolder(folders[name]);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.images.map((i) => i.id)).toEqual(IDS);
    for (const image of report.images) expect(image.checkedUrls).toBeGreaterThan(0);
    expect(report.checkedUrls).toBe(report.images.reduce((n, i) => n + i.checkedUrls, 0) + report.images.length); // + collection thumbnails
    const summary = formatValidation(report).trimEnd().split('\n').pop();
    expect(summary).toBe(`${IDS.length} images, ${report.checkedUrls} URLs checked, 0 problems`);
  });

  it.each(['v3', 'v2', 'webp'] as const)('%s: with the IIIF presentation schema, still no problems', async (name) => {
    const report = await validateFolder(folders[name], { schema: SCHEMA });
    expect(report.problems).toEqual([]);
  });

  it.each(['v3', 'v2', 'webp'] as const)('%s: the URLs checked from info.json are the files the tiler plans', (name) => {
    const ids = readdirSync(folders[name]).filter((f) => f.startsWith('img-'));
    expect(ids.sort()).toEqual(IDS);
    for (const id of ids) {
      const info = readJson(join(folders[name], id, 'info.json'));
      const p = new Problems();
      const service = checkInfoJson(info, id, p);
      expect(p.list).toEqual([]);
      const checked = [...serviceFiles(service!).byPath.keys()].sort();
      const planned = [...planPaths(planImage({ width: info.width, height: info.height }, options[name]), options[name])].sort();
      expect(checked.filter((path) => !planned.includes(path)), `${name} ${id}: checked but not written`).toEqual([]);
      expect(planned.filter((path) => !checked.includes(path)), `${name} ${id}: written but not checked`).toEqual([]);
    }
  });
});

describe('broken folders: each problem is reported', () => {
  const problemsOf = async (dir: string): Promise<string[]> => (await validateFolder(dir)).problems;

  it('a deleted tile', async () => {
    const dir = copyOf('v3');
    rmSync(join(dir, 'img-1000x700', '0,0,256,256/256,256/0/default.jpg'));
    expect(await problemsOf(dir)).toEqual(['img-1000x700: missing 0,0,256,256/256,256/0/default.jpg (tile 0,0 of scale factor 1)']);
  });

  it('a tile of the wrong pixel size, and a PNG saved as .jpg', async () => {
    const dir = copyOf('v3');
    await sharp({ create: { width: 100, height: 100, channels: 3, background: '#808080' } }).jpeg().toFile(join(dir, 'img-1000x700', '256,0,256,256/256,256/0/default.jpg'));
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080' } }).png().toFile(join(dir, 'img-1000x700', '512,0,256,256/256,256/0/default.jpg'));
    expect(await problemsOf(dir)).toEqual([
      'img-1000x700: 256,0,256,256/256,256/0/default.jpg is 100x100, expected 256x256 (tile 1,0 of scale factor 1)',
      'img-1000x700: 512,0,256,256/256,256/0/default.jpg is a PNG file, not JPEG (tile 2,0 of scale factor 1)',
    ]);
  });

  it('info.json sizes with a wrong value', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-1000x700', 'info.json');
    const info = readJson(file);
    expect(info.sizes[0]).toEqual({ width: 250, height: 175 });
    info.sizes[0] = { width: 251, height: 175 };
    writeJson(file, info);
    const problems = await problemsOf(dir);
    expect(problems).toContain('img-1000x700: info.json: sizes[0] 251x175 is not the size of any level (ceil(W/s) x ceil(H/s)): levels are 1000x700, 500x350, 250x175');
    expect(problems).toContain('img-1000x700: missing full/251,175/0/default.jpg (sizes entry 251x175)');
  });

  it('a manifest whose rights URI is https', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-300x200', 'manifest.json');
    writeJson(file, { ...readJson(file), rights: 'https://creativecommons.org/licenses/by/4.0/' });
    expect(await problemsOf(dir)).toEqual([
      'img-300x200: manifest.json: rights must be an http:// (not https) creativecommons.org or rightsstatements.org URI, found "https://creativecommons.org/licenses/by/4.0/"',
    ]);
    // The schema says the same in its own words.
    const withSchema = await validateFolder(dir, { schema: SCHEMA });
    expect(withSchema.problems.some((p) => p.startsWith('img-300x200: manifest.json: schema: /rights'))).toBe(true);
  });

  it('full/max removed (v3) and full/full removed (v2)', async () => {
    const v3 = copyOf('v3');
    rmSync(join(v3, 'img-1000x700', 'full', 'max'), { recursive: true });
    expect(await problemsOf(v3)).toEqual(['img-1000x700: missing full/max/0/default.jpg (full/max)']);
    const v2 = copyOf('v2');
    rmSync(join(v2, 'img-1000x700', 'full', 'full'), { recursive: true });
    expect(await problemsOf(v2)).toEqual(['img-1000x700: missing full/full/0/default.jpg (full/full)']);
  });

  it('v2 capped by maxWidth/maxHeight: full/full at the full size instead of the cap', async () => {
    const dir = copyOf('v2');
    const folder = join(dir, 'img-1000x700');
    const info = readJson(join(folder, 'info.json'));
    expect([info.maxWidth, info.maxHeight]).toEqual([500, 350]);
    expect(readImageHeader(join(folder, 'full/full/0/default.jpg'))).toEqual({ format: 'jpg', width: 500, height: 350 });
    await sharp(sourceFor('img-1000x700')).jpeg().toFile(join(folder, 'full/full/0/default.jpg'));
    expect(await problemsOf(dir)).toEqual(['img-1000x700: full/full/0/default.jpg is 1000x700, expected 500x350 (full/full)']);
  });

  it('info.json: an id that does not end with the folder name, and a scale factor missing', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-1000x700', 'info.json');
    const info = readJson(file);
    info.id = `${info.id}-moved/`;
    info.tiles[0].scaleFactors = [1, 2];
    writeJson(file, info);
    const problems = await problemsOf(dir);
    expect(problems).toContain('img-1000x700: info.json: id must not end with a slash: http://127.0.0.1:8080/iiif/img-1000x700-moved/');
    expect(problems).toContain('img-1000x700: info.json: id must end with /img-1000x700 (the folder name), found http://127.0.0.1:8080/iiif/img-1000x700-moved/');
    expect(problems).toContain(
      'img-1000x700: info.json: tiles[0].scaleFactors stop at 2, where the image is still 500x350, bigger than one 256x256 tile: expected 1, 2, 4',
    );
  });

  it('v2 info.json with a level-2 profile', async () => {
    const dir = copyOf('v2');
    const file = join(dir, 'img-300x200', 'info.json');
    const info = readJson(file);
    info.profile[0] = 'http://iiif.io/api/image/2/level2.json';
    writeJson(file, info);
    expect(await problemsOf(dir)).toEqual([
      `img-300x200: info.json: profile must be a list starting with "http://iiif.io/api/image/2/level0.json", found ${JSON.stringify(info.profile)}`,
    ]);
  });

  it('a manifest whose canvas size and painting body disagree with info.json', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-300x200', 'manifest.json');
    const manifest = readJson(file);
    const canvas = manifest.items[0];
    canvas.width = 301;
    const body = canvas.items[0].items[0].body;
    body.id = body.id.replace('/full/max/', '/full/full/');
    body.service[0].type = 'ImageService2';
    writeJson(file, manifest);
    const problems = await problemsOf(dir);
    expect(problems).toContain('img-300x200: manifest.json: canvas must be 300x200 like info.json, found 301x200');
    expect(problems).toContain(
      'img-300x200: manifest.json: painting body id must be http://127.0.0.1:8080/iiif/img-300x200/full/max/0/default.jpg, found "http://127.0.0.1:8080/iiif/img-300x200/full/full/0/default.jpg"',
    );
    expect(problems).toContain('img-300x200: manifest.json: painting body service[0] type must be "ImageService3", found "ImageService2"');
    expect(problems).toContain('img-300x200: missing full/full/0/default.jpg (painting body)');
  });

  it('a collection item that is not a manifest of the folder, and a missing manifest', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'collection.json');
    const collection = readJson(file);
    collection.items[0].id = 'http://127.0.0.1:8080/iiif/elsewhere/manifest.json';
    writeJson(file, collection);
    rmSync(join(dir, 'img-1x1', 'manifest.json'));
    const problems = await problemsOf(dir);
    expect(problems).toContain('img-1x1: manifest.json: missing');
    expect(problems).toContain('collection.json: items[0].id "http://127.0.0.1:8080/iiif/elsewhere/manifest.json" is not the id of a manifest in this folder');
    expect(problems).toContain('collection.json: items[1].id "http://127.0.0.1:8080/iiif/img-1x1/manifest.json" is not the id of a manifest in this folder');
  });

  it('Mirador thumbnails that would 404 are problems: a thumbnail service with preferredFormats png', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-1000x700', 'manifest.json');
    const manifest = readJson(file);
    // With a service on the manifest thumbnail, Mirador builds its own URLs from the service's
    // sizes, in its preferred format: png thumbnails, which do not exist.
    const bodyService = manifest.items[0].items[0].items[0].body.service[0];
    manifest.thumbnail[0].service = [{ ...bodyService, preferredFormats: ['png'] }];
    writeJson(file, manifest);
    const report = await validateFolder(dir);
    expect(report.warnings).toEqual([]);
    expect(report.problems).toContain('img-1000x700: missing full/250,175/0/default.png (Mirador thumbnail: service of manifest thumbnail[0])');
    expect(report.problems).toContain('img-1000x700: missing full/500,350/0/default.png (Mirador thumbnail: service of manifest thumbnail[0])');
    expect(formatValidation(report)).toContain('  problem: missing full/250,175/0/default.png (Mirador thumbnail: service of manifest thumbnail[0])');
  });

  it('without a canvas thumbnail, Mirador uses the painting body service: fine for big images, an empty size for one that fits one tile', async () => {
    for (const name of ['v3', 'v2'] as const) {
      const dir = copyOf(name);
      for (const id of ['img-1x1', 'img-255x255', 'img-1000x700']) {
        const file = join(dir, id, 'manifest.json');
        const manifest = readJson(file);
        delete manifest.items[0].thumbnail;
        writeJson(file, manifest);
      }
      // The tiler writes `full/w,h` of every size, also for v2: only the single-size images fail.
      expect(await problemsOf(dir)).toEqual(
        ['img-1x1', 'img-255x255'].map(
          (id) =>
            `${id}: manifest.json: Mirador would request http://127.0.0.1:8080/iiif/${id}/full//0/default.jpg: no listed size suits its thumbnail box, so it builds an empty size (Mirador thumbnail: service of canvas 1 > painting body)`,
        ),
      );
    }
  });

  it('a canvas thumbnail that is missing, then not an image', async () => {
    const dir = copyOf('v2');
    const folder = join(dir, 'img-300x200');
    const file = join(folder, 'manifest.json');
    const manifest = readJson(file);
    const canvas = manifest.items[0];
    canvas.thumbnail = [{ ...canvas.thumbnail[0], id: canvas.thumbnail[0].id.replace('/full/300,/', '/full/120,/'), width: 120, height: 80 }];
    writeJson(file, manifest);
    expect(await problemsOf(dir)).toEqual(['img-300x200: missing full/120,/0/default.jpg (canvas thumbnail[0])']);
    mkdirSync(join(folder, 'full', '120,', '0'), { recursive: true });
    writeFileSync(join(folder, 'full/120,/0/default.jpg'), 'not an image');
    expect(await problemsOf(dir)).toEqual(['img-300x200: full/120,/0/default.jpg is not a JPEG, PNG or WebP image we can read (canvas thumbnail[0])']);
  });

  it('webp output: full/max as jpg missing, then of the wrong size', async () => {
    const dir = copyOf('webp');
    const jpg = join(dir, 'img-1000x700', 'full/max/0/default.jpg');
    expect(readImageHeader(jpg)).toEqual({ format: 'jpg', width: 1000, height: 700 });
    rmSync(jpg);
    const why = 'full/max as jpg, which level 0 requires and the official image validator fetches';
    expect(await problemsOf(dir)).toEqual([`img-1000x700: missing full/max/0/default.jpg (${why})`]);
    await sharp(sourceFor('img-300x200')).jpeg().toFile(jpg);
    expect(await problemsOf(dir)).toEqual([`img-1000x700: full/max/0/default.jpg is 300x200, expected 1000x700 (${why})`]);
  });

  it('a folder without images, and no folder at all', async () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    expect(await problemsOf(empty)).toEqual([`${empty}: no image folders (folders with an info.json)`]);
    expect(await problemsOf(join(empty, 'nope'))).toEqual([`${join(empty, 'nope')}: no such folder`]);
  });

  it('lists at most 20 file problems per image, then counts the rest', () => {
    const info = readJson(join(folders.v3, 'img-1000x700', 'info.json'));
    const service = checkInfoJson(info, 'img-1000x700', new Problems())!;
    const files = serviceFiles(service, new ExpectedFiles());
    expect(files.size).toBeGreaterThan(5);
    const problems = checkFiles(mkdtempSync(join(work, 'nothing-')), files.byPath.values(), 5);
    expect(problems).toHaveLength(6);
    expect(problems[5]).toBe(`and ${files.size - 5} more missing or wrong files`);
  });
});

describe('the CLI', () => {
  it('exits 0 on a good folder and 1 on a broken one, listing the problem', async () => {
    const good = await runAgent(['validate', folders.v2]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^5 images, \d+ URLs checked, 0 problems$/m);

    const dir = copyOf('v2');
    rmSync(join(dir, 'img-300x200', 'full', 'full'), { recursive: true });
    const bad = await runAgent(['validate', dir, '--schema', SCHEMA]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('  problem: missing full/full/0/default.jpg (full/full)');
    expect(bad.stdout).toMatch(/^5 images, \d+ URLs checked, 1 problem$/m);

    const json = await runAgent(['validate', dir, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems).toEqual(['img-300x200: missing full/full/0/default.jpg (full/full)']);
  });

  it('exits 1 when Mirador would request a thumbnail that does not exist', async () => {
    const dir = copyOf('v3');
    const file = join(dir, 'img-1x1', 'manifest.json');
    const manifest = readJson(file);
    delete manifest.items[0].thumbnail;
    writeJson(file, manifest);
    const result = await runAgent(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  problem: manifest.json: Mirador would request http://127.0.0.1:8080/iiif/img-1x1/full//0/default.jpg');
    expect(result.stdout).toMatch(/^5 images, \d+ URLs checked, 1 problem$/m);
  });
});

describe('image headers', () => {
  it('reads the pixel size of JPEG, PNG and WebP (lossy, lossless, extended) files', async () => {
    const dir = mkdtempSync(join(work, 'headers-'));
    const base = sharp({ create: { width: 123, height: 45, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } });
    const cases: Array<[string, Promise<unknown>, string]> = [
      ['a.jpg', base.clone().jpeg().toFile(join(dir, 'a.jpg')), 'jpg'],
      ['a.png', base.clone().png().toFile(join(dir, 'a.png')), 'png'],
      ['lossy.webp', base.clone().removeAlpha().webp().toFile(join(dir, 'lossy.webp')), 'webp'],
      ['lossless.webp', base.clone().removeAlpha().webp({ lossless: true }).toFile(join(dir, 'lossless.webp')), 'webp'],
      ['alpha.webp', base.clone().webp().toFile(join(dir, 'alpha.webp')), 'webp'],
    ];
    await Promise.all(cases.map((c) => c[1]));
    for (const [name, , format] of cases) expect(readImageHeader(join(dir, name))).toEqual({ format, width: 123, height: 45 });
    expect(readFileSync(join(dir, 'alpha.webp')).toString('latin1', 12, 16)).toBe('VP8X');
  });

  it('finds the JPEG frame header behind more than 64 KB of other segments', async () => {
    const jpeg = await sharp({ create: { width: 77, height: 66, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const comment = Buffer.alloc(65_000 + 4, 0x20);
    comment.writeUInt16BE(0xfffe, 0); // COM segment
    comment.writeUInt16BE(65_000 + 2, 2);
    const file = join(work, 'big-header.jpg');
    writeFileSync(file, Buffer.concat([jpeg.subarray(0, 2), comment, comment, jpeg.subarray(2)]));
    expect(readImageHeader(file)).toEqual({ format: 'jpg', width: 77, height: 66 });
    expect((await sharp(file).metadata()).width).toBe(77); // still a valid JPEG
  });

  it('returns undefined for other files and throws for missing ones', () => {
    const file = join(work, 'text.jpg');
    writeFileSync(file, 'not an image');
    expect(readImageHeader(file)).toBeUndefined();
    expect(() => readImageHeader(join(work, 'absent.jpg'))).toThrow();
  });
});

describe('Mirador thumbnails', () => {
  // The manifests as written, and as they would be without the canvas thumbnail (Mirador then
  // uses the painting body and its service) or without any thumbnail (the manifest then uses its canvas).
  const VARIANTS: Record<string, (m: Record<string, any>) => void> = {
    'as written': () => {},
    'no canvas thumbnail': (m) => delete m.items[0].thumbnail,
    'no thumbnail at all': (m) => {
      delete m.thumbnail;
      delete m.items[0].thumbnail;
    },
  };

  it.each(['v3', 'v2', 'webp'] as const)('%s: the port gets what Mirador 4 itself gets, for the manifest and the canvas', async (name) => {
    // Mirador's own ThumbnailFactory and the manifesto parser it uses, from node_modules. Its
    // sources use extensionless imports, which tsx resolves (Node's ESM loader does not).
    const factoryPath = join(ROOT, 'node_modules', 'mirador', 'src', 'lib', 'ThumbnailFactory.js');
    const { default: getBestThumbnail } = await tsImport(factoryPath, import.meta.url);
    const { Utils } = await tsImport('manifesto.js', import.meta.url);
    let compared = 0;
    for (const id of IDS) {
      const written = readJson(join(folders[name], id, 'manifest.json'));
      for (const [variant, change] of Object.entries(VARIANTS)) {
        const json = structuredClone(written);
        change(json);
        const manifest = Utils.parseManifest(json);
        const canvas = manifest.getSequences()[0].getCanvases()[0];
        const modelled = new Set(miradorThumbnails(json).map((t) => t.url));
        for (const request of MIRADOR_THUMBNAIL_REQUESTS) {
          const opts = { ...request, preferredFormats: MIRADOR_PREFERRED_FORMATS };
          const where = `${name} ${id} ${variant} ${JSON.stringify(request)}`;
          const real = { manifest: getBestThumbnail(manifest, opts), canvas: getBestThumbnail(canvas, opts) };
          expect(miradorThumbnail(json, 'manifest', request), `${where}: manifest`).toEqual(real.manifest);
          expect(miradorThumbnail(json.items[0], 'canvas', request), `${where}: canvas`).toEqual(real.canvas);
          // The URLs the validator checks include everything Mirador asks for.
          expect(modelled, where).toContain(real.manifest.url);
          expect(modelled, where).toContain(real.canvas.url);
          // As written, Mirador asks for the thumbnail's own URL, a file the tiler wrote.
          if (variant === 'as written') expect([real.manifest.url, real.canvas.url], where).toEqual([written.thumbnail[0].id, written.thumbnail[0].id]);
          compared += 2;
        }
      }
    }
    expect(compared).toBe(IDS.length * 3 * MIRADOR_THUMBNAIL_REQUESTS.length * 2);
  });
});

describe('the IIIF presentation schema with Ajv', () => {
  const REJECTED = /^(broken_|non_cc_license|old_format_label|rights_lang_issues|collection_of_canvases)/;

  it('rejects the broken fixtures of the presentation validator and accepts the others', () => {
    const check = loadSchema(SCHEMA);
    const fixtures = readdirSync(join(SCHEMA_DIR, 'fixtures')).filter((f) => f.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThan(20);
    const verdicts = fixtures.map((f) => [f, check(readJson(join(SCHEMA_DIR, 'fixtures', f))).length > 0 ? 'rejected' : 'accepted']);
    const expected = fixtures.map((f) => [f, REJECTED.test(f) ? 'rejected' : 'accepted']);
    expect(verdicts).toEqual(expected);
    expect(expected.filter(([, v]) => v === 'rejected').length).toBe(9);
  });
});
