// The page's view of storage: stored images, their files (read lazily from the OPFS packs),
// manifests, settings, and the browser's storage quota.

import { buildManifest, type ImageMetadata } from '../../shared/iiif/manifest.ts';
import { planImage } from '../../shared/iiif/plan.ts';
import { DEFAULT_OPTIONS, type TileOptions, resolveTileOptions } from '../../shared/options.ts';
import { openDatabase, packDirectory } from './db.ts';
import type { StoredImage } from './types.ts';

export async function listImages(): Promise<StoredImage[]> {
  const db = await openDatabase();
  const all = await db.getAll('images');
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export async function getImage(id: string): Promise<StoredImage | undefined> {
  return (await openDatabase()).get('images', id);
}

const packFiles = new Map<string, Promise<File>>();

/** A file of an image by its path relative to the image folder, read from its pack without copying the pack. */
export async function readFile(image: StoredImage, path: string): Promise<Blob | undefined> {
  const entry = image.index[path];
  if (!entry) return undefined;
  let file = packFiles.get(image.pack);
  if (!file) {
    file = packDirectory().then((dir) => dir.getFileHandle(image.pack)).then((h) => h.getFile());
    packFiles.set(image.pack, file);
    file.catch(() => packFiles.delete(image.pack));
  }
  return (await file).slice(entry.offset, entry.offset + entry.length, entry.type);
}

export async function getManifest(id: string): Promise<Record<string, unknown> | undefined> {
  return (await openDatabase()).get('manifests', id);
}

/** Save edited metadata and regenerate the current manifest from it. */
export async function updateMetadata(id: string, metadata: ImageMetadata): Promise<StoredImage> {
  const db = await openDatabase();
  const tx = db.transaction(['images', 'manifests'], 'readwrite');
  const image = await tx.objectStore('images').get(id);
  if (!image) throw new Error(`no stored image "${id}"`);
  const { options } = image;
  const plan = planImage({ width: image.width, height: image.height }, options);
  const manifest = buildManifest({ id, baseUrl: options.baseUrl, plan, version: options.iiifVersion, format: options.format, metadata });
  const updated = { ...image, metadata };
  await tx.objectStore('images').put(updated);
  await tx.objectStore('manifests').put(manifest, id);
  await tx.done;
  return updated;
}

export async function deleteImage(id: string): Promise<void> {
  const db = await openDatabase();
  const image = await db.get('images', id);
  const tx = db.transaction(['images', 'manifests'], 'readwrite');
  await tx.objectStore('images').delete(id);
  await tx.objectStore('manifests').delete(id);
  await tx.done;
  if (image) {
    packFiles.delete(image.pack);
    await (await packDirectory()).removeEntry(image.pack).catch(() => undefined);
  }
}

export async function deleteAll(): Promise<void> {
  for (const image of await listImages()) await deleteImage(image.id);
  await removeOrphanPacks(new Set());
}

/**
 * Remove pack files that no image record points to (left by a closed tab or a crash mid-image).
 * `busy` names packs being written right now.
 */
export async function removeOrphanPacks(busy: Set<string>): Promise<number> {
  const dir = await packDirectory();
  const used = new Set((await listImages()).map((i) => i.pack));
  let removed = 0;
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (!used.has(name) && !busy.has(name)) {
      await dir.removeEntry(name).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

export async function storageEstimate(): Promise<{ usage: number; quota: number; persisted: boolean }> {
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  const persisted = (await navigator.storage.persisted?.()) ?? false;
  return { usage, quota, persisted };
}

export async function requestPersistence(): Promise<boolean> {
  return (await navigator.storage.persist?.()) ?? false;
}

export async function loadSettings(): Promise<TileOptions> {
  const saved = await (await openDatabase()).get('settings', 'options');
  try {
    return saved ? resolveTileOptions(saved) : { ...DEFAULT_OPTIONS };
  } catch {
    return { ...DEFAULT_OPTIONS };
  }
}

export async function saveSettings(options: TileOptions): Promise<void> {
  await (await openDatabase()).put('settings', resolveTileOptions(options), 'options');
}
