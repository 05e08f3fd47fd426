// Tile geometry of the IIIF Image API (3.0 and 2.1 implementation notes) and the exact
// URL path strings that viewers ask for. Nothing else in Tessella computes a tile path.
//
// Integer arithmetic only. Levels are indexed from 0 = full resolution (scale factor 1);
// level k has scale factor 2^k and size ceil(W / 2^k) x ceil(H / 2^k).

export type IiifVersion = 2 | 3;

export interface ImageSize {
  width: number;
  height: number;
}

export interface TileSize {
  width: number;
  height: number;
}

export interface Level {
  /** 0 = full resolution. */
  index: number;
  /** 2^index */
  scale: number;
  width: number;
  height: number;
  /** Number of tile columns and rows at this level. */
  columns: number;
  rows: number;
}

/** A tile: its region in full-resolution pixels and its size at its level. */
export interface TileGeometry {
  level: number;
  column: number;
  row: number;
  /** Region in full-resolution image coordinates. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Pixel size of the tile file (= its size at its level). */
  sizeWidth: number;
  sizeHeight: number;
}

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

function assertPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

/** Size of a level: ceil(W/s) x ceil(H/s), the rule OpenSeadragon uses. */
export function levelSize(image: ImageSize, scale: number): ImageSize {
  return { width: ceilDiv(image.width, scale), height: ceilDiv(image.height, scale) };
}

/**
 * Scale factors 1, 2, 4, ... up to the first one at which the whole image fits in one tile.
 */
export function scaleFactors(image: ImageSize, tile: TileSize): number[] {
  assertPositiveInt('width', image.width);
  assertPositiveInt('height', image.height);
  assertPositiveInt('tile width', tile.width);
  assertPositiveInt('tile height', tile.height);
  const factors = [1];
  let s = 1;
  while (ceilDiv(image.width, s) > tile.width || ceilDiv(image.height, s) > tile.height) {
    s *= 2;
    factors.push(s);
  }
  return factors;
}

export function pyramidLevels(image: ImageSize, tile: TileSize): Level[] {
  return scaleFactors(image, tile).map((scale, index) => {
    const { width, height } = levelSize(image, scale);
    return {
      index,
      scale,
      width,
      height,
      columns: ceilDiv(width, tile.width),
      rows: ceilDiv(height, tile.height),
    };
  });
}

/** Region and size of tile (column, row) at a level, per the spec formulas. */
export function tileGeometry(image: ImageSize, tile: TileSize, level: Level, column: number, row: number): TileGeometry {
  const s = level.scale;
  const x = column * tile.width * s;
  const y = row * tile.height * s;
  if (column < 0 || row < 0 || x >= image.width || y >= image.height) {
    throw new RangeError(`tile ${column},${row} is outside level ${level.index}`);
  }
  const w = Math.min(tile.width * s, image.width - x);
  const h = Math.min(tile.height * s, image.height - y);
  return { level: level.index, column, row, x, y, w, h, sizeWidth: ceilDiv(w, s), sizeHeight: ceilDiv(h, s) };
}

/** Every tile of a level, row by row. */
export function* levelTiles(image: ImageSize, tile: TileSize, level: Level): Generator<TileGeometry> {
  for (let row = 0; row < level.rows; row++) {
    for (let column = 0; column < level.columns; column++) yield tileGeometry(image, tile, level, column, row);
  }
}

/** The region segment: `full` when the tile covers the whole image, else `x,y,w,h`. */
export function regionSegment(image: ImageSize, t: Pick<TileGeometry, 'x' | 'y' | 'w' | 'h'>): string {
  if (t.x === 0 && t.y === 0 && t.w === image.width && t.h === image.height) return 'full';
  return `${t.x},${t.y},${t.w},${t.h}`;
}

/**
 * The size segment as viewers write it for a level-0 service.
 * v3: `max` when the size is the full image, else `w,h`.
 * v2: `full` when the width equals the full image width (OpenSeadragon's rule, which also covers
 * narrow images whose tile spans the full width), else `w,`.
 */
export function sizeSegment(version: IiifVersion, image: ImageSize, width: number, height: number): string {
  if (version === 3) return width === image.width && height === image.height ? 'max' : `${width},${height}`;
  return width === image.width ? 'full' : `${width},`;
}

export function imageFileName(format: string): string {
  return `0/default.${format}`;
}

/** `{region}/{size}/0/default.{format}` for a tile, relative to the image service id. */
export function tilePath(version: IiifVersion, image: ImageSize, t: TileGeometry, format: string): string {
  return `${regionSegment(image, t)}/${sizeSegment(version, image, t.sizeWidth, t.sizeHeight)}/${imageFileName(format)}`;
}

/** Path of a whole-image size listed in `sizes`, as clients build it: v3 `full/w,h`, v2 `full/w,`. */
export function sizePath(version: IiifVersion, size: ImageSize, format: string): string {
  const seg = version === 3 ? `${size.width},${size.height}` : `${size.width},`;
  return `full/${seg}/${imageFileName(format)}`;
}

/** Path of the full image at its largest served size: v3 `full/max`, v2 `full/full`. */
export function maxPath(version: IiifVersion, format: string): string {
  return `full/${version === 3 ? 'max' : 'full'}/${imageFileName(format)}`;
}

/** The levels listed in `sizes`: every level whose width and height are at most maxSize, smallest first. */
export function sizeLevels(levels: Level[], maxSize: number): Level[] {
  return levels.filter((l) => l.width <= maxSize && l.height <= maxSize).reverse();
}

/** The level served as `full/max`: the full image when it fits in maxSize, else the largest level that does. */
export function maxLevel(levels: Level[], maxSize: number): Level {
  const fitting = levels.find((l) => l.width <= maxSize && l.height <= maxSize);
  if (!fitting) throw new RangeError(`no level fits within ${maxSize} px`);
  return fitting;
}
