// collection.json for an output folder: every complete image in it, from this run or earlier ones.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type CollectionEntry, buildCollection } from '../../shared/iiif/manifest.ts';
import { STAMP_FILE } from '../../shared/sink.ts';
import { writeFileAtomic } from './atomic-file.ts';

export function completeImageIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, STAMP_FILE)))
    .map((e) => e.name)
    .sort();
}

export function writeCollection(dir: string, baseUrl: string, label?: string): string {
  const entries: CollectionEntry[] = [];
  for (const id of completeImageIds(dir)) {
    try {
      const m = JSON.parse(readFileSync(join(dir, id, 'manifest.json'), 'utf8')) as { label?: Record<string, string[]>; thumbnail?: Record<string, unknown>[] };
      const text = Object.values(m.label ?? {})[0]?.[0] ?? id;
      entries.push({ id, label: text, thumbnail: m.thumbnail?.[0] });
    } catch {
      entries.push({ id, label: id });
    }
  }
  const file = join(dir, 'collection.json');
  writeFileAtomic(file, `${JSON.stringify(buildCollection(baseUrl, label ?? basename(resolve(dir)), entries), null, 2)}\n`);
  return file;
}
