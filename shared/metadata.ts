// Metadata rows (from a CSV or JSON file, or the web app's form) into per-image metadata.
// Rows are keyed by `id` or by file name; `label` or `title`, `summary`, `rights` and
// `attribution` have their own places in the manifest, every other column becomes a pair.

import { baseName } from './iiif/ids.ts';
import type { ImageMetadata } from './iiif/manifest.ts';

const KEY_COLUMNS = ['id', 'file', 'filename', 'file_name', 'source'];
const OWN_PLACES = new Set(['label', 'title', 'summary', 'description', 'rights', 'license', 'attribution', ...KEY_COLUMNS]);

export type MetadataRow = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v.trim() : String(v);
  return s === '' ? undefined : s;
}

function field(row: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = str(row[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function rowToMetadata(row: MetadataRow): ImageMetadata {
  const lower: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) lower[k.trim().toLowerCase()] = v;
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(row)) {
    if (OWN_PLACES.has(k.trim().toLowerCase())) continue;
    const value = typeof v === 'object' && v !== null ? JSON.stringify(v) : str(v);
    if (value !== undefined) pairs.push([k.trim(), value]);
  }
  return {
    label: field(lower, 'label', 'title'),
    summary: field(lower, 'summary', 'description'),
    rights: field(lower, 'rights', 'license'),
    attribution: field(lower, 'attribution'),
    metadata: pairs,
  };
}

/** Index rows by every key they can be looked up by: id, file name and file name without extension. */
export class MetadataTable {
  private readonly byKey = new Map<string, ImageMetadata>();

  constructor(rows: MetadataRow[]) {
    for (const row of rows) {
      const lower: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) lower[k.trim().toLowerCase()] = v;
      const meta = rowToMetadata(row);
      for (const col of KEY_COLUMNS) {
        const key = str(lower[col]);
        if (!key) continue;
        const name = key.split(/[\\/]/).pop()!;
        for (const k of [key, name, baseName(name)]) if (!this.byKey.has(k)) this.byKey.set(k, meta);
      }
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Metadata for an image, looked up by its id, then its file name. */
  lookup(id: string, fileName: string): ImageMetadata | undefined {
    return this.byKey.get(id) ?? this.byKey.get(fileName) ?? this.byKey.get(baseName(fileName));
  }
}

/** Rows of a JSON metadata file: an array of objects, or an object keyed by id. */
export function jsonRows(value: unknown): MetadataRow[] {
  if (Array.isArray(value)) return value.filter((r): r is MetadataRow => typeof r === 'object' && r !== null);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>).map(([id, r]) => ({ id, ...(typeof r === 'object' && r !== null ? r : { label: r }) }));
  }
  throw new Error('expected an array of objects or an object keyed by id');
}
