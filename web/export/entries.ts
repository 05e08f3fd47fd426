// What an export ZIP holds, in the layout of `agent tile --out DIR`: per image `<id>/info.json`,
// every tile and whole-image file, `<id>/manifest.json` (the current one, after edits), then
// `collection.json`. Pure: the store's functions are passed in, so Node tests can run it.

import { type CollectionEntry, buildCollection } from '../../shared/iiif/manifest.ts';
import { isSafeId } from '../../shared/iiif/ids.ts';
import type { StoredImage } from '../storage/types.ts';

export interface ZipEntry {
  /** Path inside the ZIP. */
  name: string;
  input: Blob | string;
  lastModified: Date;
}

export type ReadFile = (image: StoredImage, path: string) => Promise<Blob | undefined>;
export type GetManifest = (id: string) => Promise<Record<string, unknown> | undefined>;

export interface ZipEntriesOptions {
  /** Base URL of the collection (where the export will be published). */
  baseUrl: string;
  /** Label of collection.json. */
  label?: string;
  /**
   * Rewrite every `id`/`@id`/`target` of info.json and manifest.json from the image's own base URL (the
   * one it was tiled with) to `baseUrl`, as `agent tile --base-url` would have written them.
   * Tile files never depend on the base URL. Off: each image keeps its own.
   */
  rebase?: boolean;
  readFile: ReadFile;
  getManifest: GetManifest;
}

export const DEFAULT_COLLECTION_LABEL = 'Tessella export';

const PACK_JSON = new Set(['info.json', 'manifest.json']);

/** The same text the agent writes for a JSON file. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A pack path that stays inside its image folder and is not hidden (the agent's stamp and temp files are). */
function exportable(path: string): boolean {
  const parts = path.split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..' && !p.startsWith('.'));
}

/** Keys whose string values are URIs of this output (service, manifest, canvas, annotation target). */
const URI_KEYS = new Set(['id', '@id', 'target']);

/** Replace the base URL at the start of every URI of the output; text (labels, metadata) is left as typed. */
export function rebaseIds(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebaseIds(v, from, to));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const isId = URI_KEYS.has(key) && typeof v === 'string';
    out[key] = isId && (v === from || v.startsWith(`${from}/`)) ? `${to}${v.slice(from.length)}` : rebaseIds(v, from, to);
  }
  return out;
}

/** The collection's text for a manifest label, as the agent picks it. */
function labelOf(manifest: Record<string, unknown>, id: string): string {
  const label = manifest.label as Record<string, string[]> | undefined;
  return Object.values(label ?? {})[0]?.[0] ?? id;
}

export async function* zipEntries(images: StoredImage[], opts: ZipEntriesOptions): AsyncGenerator<ZipEntry> {
  const seen = new Set<string>();
  const collection: CollectionEntry[] = [];
  for (const image of images) {
    const { id } = image;
    if (!isSafeId(id)) throw new Error(`image id "${id}" is not a safe folder name`);
    if (seen.has(id)) throw new Error(`image "${id}" is listed twice`);
    seen.add(id);
    const from = image.options.baseUrl;
    const rebase = opts.rebase === true && from !== opts.baseUrl;
    const tiled = new Date(image.createdAt);
    const read = async (path: string): Promise<Blob> => {
      let blob: Blob | undefined;
      try {
        blob = await opts.readFile(image, path);
      } catch (err) {
        throw new Error(`${id}/${path} could not be read from local storage: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!blob) throw new Error(`${id}/${path} is missing from local storage`);
      // A pack cut short (storage cleared under us) would otherwise give a short, corrupt file.
      const expected = image.index[path]?.length;
      if (expected !== undefined && blob.size !== expected) {
        throw new Error(`${id}/${path} is damaged in local storage (${blob.size} of ${expected} bytes)`);
      }
      return blob;
    };
    const readJson = async (path: string): Promise<Record<string, unknown>> =>
      JSON.parse(await (await read(path)).text()) as Record<string, unknown>;
    const rebased = (json: Record<string, unknown>): Record<string, unknown> =>
      rebase ? (rebaseIds(json, from, opts.baseUrl) as Record<string, unknown>) : json;

    yield { name: `${id}/info.json`, input: rebase ? jsonText(rebased(await readJson('info.json'))) : await read('info.json'), lastModified: tiled };
    for (const path of Object.keys(image.index)) {
      if (PACK_JSON.has(path) || !exportable(path)) continue;
      // Read when the ZIP stream asks for the entry: one tile in memory at a time.
      yield { name: `${id}/${path}`, input: await read(path), lastModified: tiled };
    }
    // The current manifest (after edits); the pack's own is the one made at tiling time.
    const manifest = rebased((await opts.getManifest(id)) ?? (await readJson('manifest.json')));
    yield { name: `${id}/manifest.json`, input: jsonText(manifest), lastModified: new Date() };
    const thumbnail = (manifest.thumbnail as Record<string, unknown>[] | undefined)?.[0];
    collection.push({ id, label: labelOf(manifest, id), ...(thumbnail ? { thumbnail } : {}) });
  }
  // Like the agent's collection.json: every image, by id.
  collection.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const json = buildCollection(opts.baseUrl, opts.label ?? DEFAULT_COLLECTION_LABEL, collection);
  yield { name: 'collection.json', input: jsonText(json), lastModified: new Date() };
}
