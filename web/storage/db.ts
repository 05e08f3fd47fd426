// The IndexedDB side of storage: image records (with their pack index), current manifests
// and settings. Used from the page and from the tiling worker (idb works in both).

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { TileOptions } from '../../shared/options.ts';
import type { StoredImage } from './types.ts';

interface TessellaDB extends DBSchema {
  images: { key: string; value: StoredImage };
  manifests: { key: string; value: Record<string, unknown> };
  settings: { key: string; value: TileOptions };
}

export type Database = IDBPDatabase<TessellaDB>;

let db: Promise<Database> | undefined;

export function openDatabase(): Promise<Database> {
  db ??= openDB<TessellaDB>('tessella', 1, {
    upgrade(d) {
      d.createObjectStore('images', { keyPath: 'id' });
      d.createObjectStore('manifests');
      d.createObjectStore('settings');
    },
  });
  return db;
}

export const PACK_DIR = 'packs';

export async function packDirectory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(PACK_DIR, { create: true });
}
