// What the browser app keeps about each tiled image. Tiles live in one OPFS pack file per
// image (appending to one file costs ~0.1 ms a tile; one OPFS file per tile ~3 ms); this record,
// with the index of the pack, lives in IndexedDB and is written only when the image is complete.

import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';

/** Where one output file sits in an image's pack. */
export interface PackEntry {
  offset: number;
  length: number;
  /** Content-Type of the file. */
  type: string;
}

export interface StoredImage {
  /** The image id, as the agent names it (file name without extension, made URL-safe). */
  id: string;
  sourceName: string;
  sourceSize: number;
  sourceModified: number;
  width: number;
  height: number;
  levels: number;
  /** Image files (tiles, sizes, full/max), without JSON. */
  files: number;
  /** Bytes of all files in the pack. */
  bytes: number;
  options: TileOptions;
  metadata: ImageMetadata;
  /** OPFS file name (in the `packs` directory) holding every file of the image. */
  pack: string;
  /** Path relative to the image folder (`info.json`, `0,0,256,256/256,256/0/default.jpg`, ...) -> location. */
  index: Record<string, PackEntry>;
  createdAt: number;
}
