// What files one image becomes: tiles of every level, the whole-image sizes and full/max.
// Pure: derived from the image size and the options only.

import type { TileOptions } from '../options.ts';
import {
  type ImageSize,
  type Level,
  type TileSize,
  levelTiles,
  maxLevel,
  maxPath,
  pyramidLevels,
  sizeLevels,
  sizePath,
  tilePath,
} from './geometry.ts';

/** A level written as one whole image, under one or more paths (sizes entry, full/max, single tile). */
export interface WholeLevelFile {
  level: number;
  width: number;
  height: number;
  /** Paths in the tile format. */
  paths: string[];
  /** The same image as JPEG, for non-JPEG output: level 0 promises jpg for full/max. */
  jpegPaths: string[];
}

export interface ImagePlan {
  image: ImageSize;
  tile: TileSize;
  levels: Level[];
  /** Levels of more than one tile: cut into tiles strip by strip. */
  tiledLevels: Set<number>;
  /** Levels written whole (every level listed in sizes, which includes every single-tile level). */
  wholeLevels: WholeLevelFile[];
  /** Entries of info.json `sizes`, smallest first, each with a file at its size path. */
  sizes: ImageSize[];
  /** The level served as full/max; `capped` when it is smaller than the image. */
  max: { level: number; width: number; height: number; capped: boolean };
  /**
   * Tiles not written because a higher-resolution tile has the same URL (`level/column/row`).
   * Only in v2, whose `w,` size cannot tell apart a 1-pixel-wide edge tile at two levels;
   * the URL then means the larger one, which viewers scale into place.
   */
  shadowedTiles: Set<string>;
  /** Number of distinct image files written. */
  fileCount: number;
}

export const tileKey = (level: number, column: number, row: number): string => `${level}/${column}/${row}`;

export function planImage(image: ImageSize, options: Pick<TileOptions, 'tileSize' | 'iiifVersion' | 'format' | 'maxSize'>): ImagePlan {
  const tile = { width: options.tileSize, height: options.tileSize };
  const levels = pyramidLevels(image, tile);
  const { iiifVersion: version, format } = options;
  const top = maxLevel(levels, options.maxSize);
  const whole = sizeLevels(levels, options.maxSize); // smallest first

  // Paths claimed by higher-resolution levels win: in v2 a 1-pixel-wide image has the same
  // `full/1,` and `full/full` path at every level, and those mean the largest one.
  const claimed = new Set<string>();
  const wholeLevels: WholeLevelFile[] = [];
  const sizes: ImageSize[] = [];
  for (const level of [...whole].reverse()) {
    const candidates: string[] = [];
    const size = sizePath(version, level, format);
    const listed = !claimed.has(size);
    candidates.push(size);
    // Mirador asks for `full/w,h` from the listed sizes whatever the service version: v2 gets both forms.
    if (version === 2 && listed) candidates.push(sizePath(3, level, format));
    if (level.index === top.index) candidates.push(maxPath(version, format));
    if (level.columns === 1 && level.rows === 1) {
      const only = levelTiles(image, tile, level).next().value!;
      candidates.push(tilePath(version, image, only, format));
    }
    const paths = [...new Set(candidates)].filter((p) => !claimed.has(p));
    paths.forEach((p) => claimed.add(p));
    if (listed) sizes.unshift({ width: level.width, height: level.height });
    const jpegPaths = format !== 'jpg' && level.index === top.index ? [maxPath(version, 'jpg')] : [];
    jpegPaths.forEach((p) => claimed.add(p));
    if (paths.length > 0) wholeLevels.unshift({ level: level.index, width: level.width, height: level.height, paths, jpegPaths });
  }

  const tiledLevels = new Set(levels.filter((l) => l.columns * l.rows > 1).map((l) => l.index));
  const shadowedTiles = new Set<string>();
  for (const level of levels) {
    if (!tiledLevels.has(level.index)) continue;
    for (const t of levelTiles(image, tile, level)) {
      const path = tilePath(version, image, t, format);
      if (claimed.has(path)) shadowedTiles.add(tileKey(t.level, t.column, t.row));
      else claimed.add(path);
    }
  }
  const fileCount = claimed.size;
  return {
    image,
    tile,
    levels,
    tiledLevels,
    wholeLevels,
    sizes,
    max: { level: top.index, width: top.width, height: top.height, capped: top.index > 0 },
    shadowedTiles,
    fileCount,
  };
}

/** Every file path of an image, relative to its folder (tiles, sizes, full/max), without JSON files. */
export function* planPaths(plan: ImagePlan, options: Pick<TileOptions, 'iiifVersion' | 'format'>): Generator<string> {
  for (const w of plan.wholeLevels) {
    yield* w.paths;
    yield* w.jpegPaths;
  }
  for (const level of plan.levels) {
    if (!plan.tiledLevels.has(level.index)) continue;
    for (const t of levelTiles(plan.image, plan.tile, level)) {
      if (!plan.shadowedTiles.has(tileKey(t.level, t.column, t.row))) yield tilePath(options.iiifVersion, plan.image, t, options.format);
    }
  }
}
