// Tiling options: one typed object, validated once at the boundary (CLI flags, UI form).
// The web app's settings use the same names, defaults and meaning as the agent's flags.

import type { IiifVersion } from './iiif/geometry.ts';

export const TILE_FORMATS = ['jpg', 'webp', 'png'] as const;
export type TileFormat = (typeof TILE_FORMATS)[number];

export interface TileOptions {
  /** Public URL prefix under which `{id}/info.json` will be served (no trailing slash). */
  baseUrl: string;
  iiifVersion: IiifVersion;
  tileSize: number;
  format: TileFormat;
  /** 1-100, for jpg and webp. */
  quality: number;
  /** Largest width or height of a whole-image file (`sizes`, `full/max`); larger images declare maxWidth/maxHeight. */
  maxSize: number;
  /** Inputs whose header claims more pixels than this are refused (decompression bombs). */
  maxPixels: number;
}

export const DEFAULT_OPTIONS: TileOptions = {
  baseUrl: 'http://127.0.0.1:8080/iiif',
  iiifVersion: 3,
  tileSize: 256,
  format: 'jpg',
  quality: 85,
  maxSize: 4096,
  maxPixels: 4_000_000_000,
};

/** A bad option value: names the option and the allowed values. */
export class OptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = 'OptionError';
  }
}

function integer(option: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new OptionError(option, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function normaliseBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^/\s]+/.test(value)) {
    throw new OptionError('base-url', `expected an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  try {
    new URL(value);
  } catch {
    throw new OptionError('base-url', `not a valid URL: ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

/** Validate loose input (strings from a CLI or a form) into TileOptions, filling defaults. */
export function resolveTileOptions(input: Partial<Record<keyof TileOptions, unknown>> = {}): TileOptions {
  const o = { ...DEFAULT_OPTIONS };
  if (input.baseUrl !== undefined) o.baseUrl = normaliseBaseUrl(input.baseUrl);
  if (input.iiifVersion !== undefined) {
    const v = String(input.iiifVersion);
    if (v !== '2' && v !== '3') throw new OptionError('iiif', `expected 3 or 2, got ${JSON.stringify(input.iiifVersion)}`);
    o.iiifVersion = v === '2' ? 2 : 3;
  }
  if (input.tileSize !== undefined) o.tileSize = integer('tile-size', input.tileSize, 16, 4096);
  if (input.format !== undefined) {
    const f = String(input.format).toLowerCase().replace(/^jpeg$/, 'jpg');
    if (!(TILE_FORMATS as readonly string[]).includes(f)) {
      throw new OptionError('format', `expected one of ${TILE_FORMATS.join(', ')}, got ${JSON.stringify(input.format)}`);
    }
    o.format = f as TileFormat;
  }
  if (input.quality !== undefined) o.quality = integer('quality', input.quality, 1, 100);
  if (input.maxSize !== undefined) o.maxSize = integer('max-size', input.maxSize, 1, 65500);
  if (input.maxPixels !== undefined) o.maxPixels = integer('max-pixels', input.maxPixels, 1, Number.MAX_SAFE_INTEGER);
  if (o.maxSize < o.tileSize) {
    throw new OptionError('max-size', `must be at least the tile size (${o.tileSize}), got ${o.maxSize}`);
  }
  return o;
}

export function mimeTypeOf(format: TileFormat): string {
  return format === 'jpg' ? 'image/jpeg' : `image/${format}`;
}
