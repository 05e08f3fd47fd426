// An ImageWriter (shared/sink.ts) into one OPFS pack file, for the tiling worker: every file of
// the image is appended through a synchronous access handle (workers only) and indexed; commit
// writes the image record and its manifest to IndexedDB in one transaction, so an image exists
// only once complete. A cancelled or failed image leaves no record; its pack is removed.

import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import type { ImageStamp, ImageWriter } from '../../shared/sink.ts';
import { STAMP_FILE } from '../../shared/sink.ts';
import { openDatabase, packDirectory } from './db.ts';
import type { PackEntry, StoredImage } from './types.ts';

export interface PackImageInfo {
  id: string;
  pack: string;
  sourceName: string;
  sourceSize: number;
  sourceModified: number;
  options: TileOptions;
  metadata: ImageMetadata;
}

const decoder = new TextDecoder();

export class QuotaError extends Error {
  constructor() {
    super('browser storage is full (quota exceeded): export or delete stored images, then retry');
    this.name = 'QuotaError';
  }
}

function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}

export class PackWriter implements ImageWriter {
  private offset = 0;
  private readonly index: Record<string, PackEntry> = {};
  private stamp: ImageStamp | undefined;
  private manifest: Record<string, unknown> | undefined;
  private closed = false;

  private constructor(
    private readonly info: PackImageInfo,
    private readonly dir: FileSystemDirectoryHandle,
    private readonly handle: FileSystemSyncAccessHandle,
  ) {}

  static async begin(info: PackImageInfo): Promise<PackWriter> {
    const dir = await packDirectory();
    const file = await dir.getFileHandle(info.pack, { create: true });
    const handle = await file.createSyncAccessHandle();
    handle.truncate(0);
    return new PackWriter(info, dir, handle);
  }

  put(path: string, bytes: Uint8Array, type: string): void {
    try {
      const written = this.handle.write(bytes, { at: this.offset });
      if (written !== bytes.byteLength) throw new QuotaError();
    } catch (err) {
      if (err instanceof QuotaError || isQuotaError(err)) throw new QuotaError();
      throw err;
    }
    this.index[path] = { offset: this.offset, length: bytes.byteLength, type };
    this.offset += bytes.byteLength;
    if (path === STAMP_FILE) this.stamp = JSON.parse(decoder.decode(bytes)) as ImageStamp;
    if (path === 'manifest.json') this.manifest = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }

  async commit(): Promise<void> {
    const { stamp, manifest, info } = this;
    if (!stamp || !manifest) throw new Error('commit before the image was complete');
    try {
      this.handle.flush();
    } catch (err) {
      if (isQuotaError(err)) throw new QuotaError();
      throw err;
    }
    this.close();
    const record: StoredImage = {
      id: info.id,
      sourceName: info.sourceName,
      sourceSize: info.sourceSize,
      sourceModified: info.sourceModified,
      width: stamp.width,
      height: stamp.height,
      levels: stamp.levels,
      files: stamp.files,
      bytes: this.offset,
      options: info.options,
      metadata: info.metadata,
      pack: info.pack,
      index: this.index,
      createdAt: Date.now(),
    };
    const db = await openDatabase();
    const tx = db.transaction(['images', 'manifests'], 'readwrite');
    const previous = await tx.objectStore('images').get(info.id);
    await tx.objectStore('images').put(record);
    await tx.objectStore('manifests').put(manifest, info.id);
    await tx.done;
    // The image it replaces is gone from the index now: its pack can go.
    if (previous && previous.pack !== info.pack) await this.dir.removeEntry(previous.pack).catch(() => undefined);
  }

  async abort(): Promise<void> {
    this.close();
    await this.dir.removeEntry(this.info.pack).catch(() => undefined);
  }
}
