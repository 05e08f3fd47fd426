// The browser app's ZIP export, in Node: images tiled by the agent are packed into one file the way
// the browser stores them (an index of offsets into one pack), and the export must give back the
// agent's output folder: same names, tile bytes identical, the current manifest, the collection.

import { mkdtempSync, openAsBlob, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTile } from '../agent/commands/tile.ts';
import { buildManifest } from '../shared/iiif/manifest.ts';
import { planImage } from '../shared/iiif/plan.ts';
import { STAMP_FILE } from '../shared/sink.ts';
import { type TileOptions, resolveTileOptions } from '../shared/options.ts';
import { type ZipEntry, rebaseIds, zipEntries } from '../web/export/entries.ts';
import { zipStream } from '../web/export/zip.ts';
import type { PackEntry, StoredImage } from '../web/storage/types.ts';
import { writeGradientImage } from './helpers/images.ts';

const BASE = 'http://127.0.0.1:8080/iiif';
const OTHER_BASE = 'https://example.org/iiif/v1';
const MIME: Record<string, string> = { jpg: 'image/jpeg', json: 'application/json' };

/** Every file under dir, relative to it, '/'-separated. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => p.split('\\').join('/'))
    .sort();
}

/** Pack an agent image folder into one file with an index, as the browser's storage keeps it. */
function packFolder(imageDir: string, packFile: string): Record<string, PackEntry> {
  const index: Record<string, PackEntry> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  // Tiles first, JSON last, as the tiler writes them; the stamp is the agent's own.
  const paths = listFiles(imageDir).filter((p) => p !== STAMP_FILE);
  paths.sort((a, b) => Number(a.endsWith('.json')) - Number(b.endsWith('.json')));
  for (const path of paths) {
    const bytes = readFileSync(join(imageDir, path));
    index[path] = { offset, length: bytes.length, type: MIME[path.split('.').pop()!] ?? 'application/octet-stream' };
    parts.push(bytes);
    offset += bytes.length;
  }
  writeFileSync(packFile, Buffer.concat(parts));
  return index;
}

/** Read a pack like web/storage/store.ts: a slice of the pack file's Blob. */
async function readPackFile(image: StoredImage, path: string): Promise<Blob | undefined> {
  const entry = image.index[path];
  if (!entry) return undefined;
  return (await openAsBlob(image.pack)).slice(entry.offset, entry.offset + entry.length, entry.type);
}

/** The stored entries of a ZIP (what client-zip writes: no compression), from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  expect(eocd, 'end of central directory').toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    expect(method, `${name}: compression method`).toBe(0);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + size);
    expect(crc32(data), `${name}: CRC`).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

async function entryBytes(entry: ZipEntry): Promise<Buffer> {
  return typeof entry.input === 'string' ? Buffer.from(entry.input, 'utf8') : Buffer.from(await entry.input.arrayBuffer());
}

describe('ZIP export of stored images', () => {
  let work: string;
  let agentOut: string;
  let images: StoredImage[];
  let options: TileOptions;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessella-web-export-'));
    const sources = [
      await writeGradientImage(work, 'wide', { width: 700, height: 300 }),
      await writeGradientImage(work, 'small', { width: 200, height: 150 }),
    ];
    options = resolveTileOptions({ baseUrl: BASE });
    agentOut = join(work, 'out');
    const report = await runTile(sources, { out: agentOut, options, jobs: 1, encoders: 0, force: true });
    expect(report.totals.failed).toBe(0);
    images = ['wide', 'small'].map((id, i) => {
      const pack = join(work, `${id}.pack`);
      const stamp = JSON.parse(readFileSync(join(agentOut, id, STAMP_FILE), 'utf8')) as { width: number; height: number; levels: number; files: number; bytes: number };
      return {
        id,
        sourceName: basename(sources[i]!),
        sourceSize: statSync(sources[i]!).size,
        sourceModified: 0,
        width: stamp.width,
        height: stamp.height,
        levels: stamp.levels,
        files: stamp.files,
        bytes: stamp.bytes,
        options,
        metadata: {},
        pack,
        index: packFolder(join(agentOut, id), pack),
        createdAt: Date.UTC(2024, 0, 2),
      };
    });
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const storedManifest = async (id: string): Promise<Record<string, unknown>> =>
    JSON.parse(readFileSync(join(agentOut, id, 'manifest.json'), 'utf8')) as Record<string, unknown>;

  it('lists exactly the agent output folder, with identical bytes (collection included under the same label)', async () => {
    const got = new Map<string, Buffer>();
    const entries = zipEntries(images, { baseUrl: BASE, label: basename(agentOut), readFile: readPackFile, getManifest: storedManifest });
    for await (const entry of entries) {
      expect(got.has(entry.name), `${entry.name} twice`).toBe(false);
      got.set(entry.name, await entryBytes(entry));
    }
    const want = listFiles(agentOut).filter((p) => !p.endsWith(`/${STAMP_FILE}`));
    expect([...got.keys()].sort()).toEqual(want);
    for (const name of want) {
      expect(got.get(name)!.equals(readFileSync(join(agentOut, name))), `${name} differs from the agent's`).toBe(true);
    }
  });

  it('exports the current manifest and uses its label in the collection', async () => {
    const wide = images[0]!;
    const edited = buildManifest({
      id: wide.id,
      baseUrl: BASE,
      plan: planImage({ width: wide.width, height: wide.height }, options),
      version: options.iiifVersion,
      format: options.format,
      metadata: { label: 'A wide <b>scan</b>', summary: 'edited after tiling' },
    });
    const getManifest = async (id: string): Promise<Record<string, unknown> | undefined> => (id === wide.id ? edited : undefined);
    const got = new Map<string, string>();
    for await (const e of zipEntries(images, { baseUrl: BASE, readFile: readPackFile, getManifest })) {
      if (e.name.endsWith('.json')) got.set(e.name, (await entryBytes(e)).toString('utf8'));
    }
    expect(JSON.parse(got.get('wide/manifest.json')!)).toEqual(edited);
    // Without a stored current manifest, the one made at tiling time.
    expect(got.get('small/manifest.json')).toBe(readFileSync(join(agentOut, 'small', 'manifest.json'), 'utf8'));
    const collection = JSON.parse(got.get('collection.json')!) as { id: string; label: unknown; items: Array<{ id: string; label: unknown; thumbnail: unknown[] }> };
    expect(collection.id).toBe(`${BASE}/collection.json`);
    expect(collection.label).toEqual({ none: ['Tessella export'] });
    expect(collection.items.map((i) => i.id)).toEqual([`${BASE}/small/manifest.json`, `${BASE}/wide/manifest.json`]);
    expect(collection.items[1]!.label).toEqual({ none: ['A wide <b>scan</b>'] });
    expect(collection.items[1]!.thumbnail).toEqual([(edited.thumbnail as unknown[])[0]]);
  });

  it('with rebase, info.json and manifest.json are what the agent writes for that base URL', async () => {
    const otherOut = join(work, 'other');
    const otherOptions = resolveTileOptions({ baseUrl: OTHER_BASE });
    const sources = readdirSync(work).filter((f) => f.endsWith('.png')).map((f) => join(work, f));
    const report = await runTile(sources, { out: otherOut, options: otherOptions, jobs: 1, encoders: 0, force: true });
    expect(report.totals.failed).toBe(0);
    const got = new Map<string, Buffer>();
    const entries = zipEntries(images, { baseUrl: OTHER_BASE, label: basename(otherOut), rebase: true, readFile: readPackFile, getManifest: storedManifest });
    for await (const e of entries) got.set(e.name, await entryBytes(e));
    const want = listFiles(otherOut).filter((p) => !p.endsWith(`/${STAMP_FILE}`));
    expect([...got.keys()].sort()).toEqual(want);
    for (const name of want) expect(got.get(name)!.equals(readFileSync(join(otherOut, name))), `${name} differs`).toBe(true);
    // Only ids move: a metadata value that looks like the base URL stays as typed.
    expect(rebaseIds({ id: `${BASE}/x`, value: `${BASE}/x`, idx: `${BASE}/y` }, BASE, OTHER_BASE)).toEqual({ id: `${OTHER_BASE}/x`, value: `${BASE}/x`, idx: `${BASE}/y` });
  });

  it('streams a ZIP whose stored entries are the agent folder, byte for byte', async () => {
    const stream = zipStream(images, { baseUrl: BASE, label: basename(agentOut), readFile: readPackFile, getManifest: storedManifest });
    const files = unzip(Buffer.from(await new Response(stream).arrayBuffer()));
    const want = listFiles(agentOut).filter((p) => !p.endsWith(`/${STAMP_FILE}`));
    expect([...files.keys()].sort()).toEqual(want);
    for (const name of want) expect(files.get(name)!.equals(readFileSync(join(agentOut, name))), `${name} differs`).toBe(true);
  });

  it('a file missing from local storage fails the export with its path', async () => {
    const broken: StoredImage = { ...images[1]!, index: { ...images[1]!.index } };
    const tile = Object.keys(broken.index).find((p) => p.endsWith('.jpg'))!;
    const readMissing = async (image: StoredImage, path: string): Promise<Blob | undefined> => (path === tile ? undefined : readPackFile(image, path));
    const stream = zipStream([broken], { baseUrl: BASE, readFile: readMissing, getManifest: storedManifest });
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow(`small/${tile} is missing from local storage`);
  });

  it('a file cut short in local storage fails the export instead of writing a corrupt entry', async () => {
    const tile = Object.keys(images[0]!.index).find((p) => p.endsWith('.jpg'))!;
    const readShort = async (image: StoredImage, path: string): Promise<Blob | undefined> => {
      const blob = await readPackFile(image, path);
      return path === tile ? blob?.slice(0, 10) : blob;
    };
    const stream = zipStream(images, { baseUrl: BASE, readFile: readShort, getManifest: storedManifest });
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow(`wide/${tile} is damaged in local storage (10 of`);
  });
});
