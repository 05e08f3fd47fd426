// info.json checks for a level-0 image service, after the official image validator's `info_json`
// test, plus what static tiles need: the scale factors and sizes a viewer derives URLs from.

import { type ImageSize, type IiifVersion, type TileSize, levelSize, scaleFactors } from '../../shared/iiif/geometry.ts';
import { IMAGE_CONTEXT, LEVEL0_V2_PROFILE } from '../../shared/iiif/info.ts';
import { type Json, Problems, hasContext, isHttpUrl, isObject, isPositiveInt, show } from './validate-json.ts';

/** What the URL checks need to know about a service, read from its info.json. */
export interface ServiceDescription {
  version: IiifVersion;
  id: string;
  image: ImageSize;
  tile: TileSize;
  sizes: ImageSize[];
  /** Tile format a viewer asks for: the first of `preferredFormats`, else jpg. */
  format: string;
  /** Pixel size of full/max (v3) or full/full (v2); `tolerance` in pixels when only one cap is declared. */
  max: ImageSize & { tolerance: number };
}

function versionOf(info: Json): IiifVersion | undefined {
  if (hasContext(info, IMAGE_CONTEXT[3])) return 3;
  if (hasContext(info, IMAGE_CONTEXT[2])) return 2;
  return undefined;
}

function checkId(info: Json, version: IiifVersion, folder: string, p: Problems): string | undefined {
  const field = version === 3 ? 'id' : '@id';
  const id = info[field];
  if (!p.check(isHttpUrl(id), `${field} must be an absolute http(s) URL, found ${show(id)}`)) return undefined;
  const value = id as string;
  p.check(!value.endsWith('/'), `${field} must not end with a slash: ${value}`);
  p.check(value.endsWith(`/${folder}`), `${field} must end with /${folder} (the folder name), found ${value}`);
  return value;
}

function checkProfile(info: Json, version: IiifVersion, format: string, p: Problems): void {
  const profile = info.profile;
  if (version === 3) {
    p.check(info.type === 'ImageService3', `type must be "ImageService3", found ${show(info.type)}`);
    p.check(profile === 'level0', `profile must be "level0", found ${show(profile)}`);
    if (format !== 'jpg') {
      const extra = info.extraFormats;
      p.check(Array.isArray(extra) && extra.includes(format), `extraFormats must list "${format}" (level 0 only promises jpg), found ${show(extra)}`);
    }
    return;
  }
  if (!p.check(Array.isArray(profile) && profile[0] === LEVEL0_V2_PROFILE, `profile must be a list starting with "${LEVEL0_V2_PROFILE}", found ${show(profile)}`)) return;
  const extras = (profile as unknown[])[1];
  if (extras !== undefined && p.check(isObject(extras), `profile[1] must be an object, found ${show(extras)}`) && format !== 'jpg') {
    const formats = (extras as Json).formats;
    p.check(Array.isArray(formats) && formats.includes(format), `profile[1].formats must list "${format}", found ${show(formats)}`);
  }
}

function checkTiles(info: Json, image: ImageSize, p: Problems): TileSize | undefined {
  const tiles = info.tiles;
  if (!p.check(Array.isArray(tiles) && tiles.length > 0, `tiles must be a non-empty list, found ${show(tiles)}`)) return undefined;
  const list = tiles as unknown[];
  p.check(list.length === 1, `tiles must have one entry (one tile size), found ${list.length}`);
  const entry = list[0];
  if (!p.check(isObject(entry), `tiles[0] must be an object, found ${show(entry)}`)) return undefined;
  const t = entry as Json;
  if (!p.check(isPositiveInt(t.width), `tiles[0].width must be a positive integer, found ${show(t.width)}`)) return undefined;
  if (t.height !== undefined && !p.check(isPositiveInt(t.height), `tiles[0].height must be a positive integer, found ${show(t.height)}`)) return undefined;
  const tile = { width: t.width as number, height: (t.height as number | undefined) ?? (t.width as number) };

  const declared = t.scaleFactors;
  const expected = scaleFactors(image, tile);
  if (!p.check(Array.isArray(declared) && declared.length > 0 && declared.every(isPositiveInt), `tiles[0].scaleFactors must be a list of positive integers, found ${show(declared)}`)) return tile;
  const factors = declared as number[];
  const gapless = factors.every((f, i) => f === 2 ** i);
  if (!p.check(gapless, `tiles[0].scaleFactors must be 1, 2, 4, ... without gaps, found ${factors.join(', ')}`)) return tile;
  const largest = factors[factors.length - 1]!;
  const top = levelSize(image, largest);
  if (factors.length < expected.length) {
    p.add(`tiles[0].scaleFactors stop at ${largest}, where the image is still ${top.width}x${top.height}, bigger than one ${tile.width}x${tile.height} tile: expected ${expected.join(', ')}`);
  } else if (factors.length > expected.length) {
    p.add(`tiles[0].scaleFactors go past ${expected[expected.length - 1]}, the first at which the image fits in one tile: expected ${expected.join(', ')}`);
  }
  return tile;
}

function checkSizes(info: Json, image: ImageSize, tile: TileSize | undefined, p: Problems): ImageSize[] {
  const sizes = info.sizes;
  if (!p.check(Array.isArray(sizes) && sizes.length > 0, `sizes must be a non-empty list (Mirador builds thumbnails from it), found ${show(sizes)}`)) return [];
  const factors = tile ? scaleFactors(image, tile) : [];
  const levelSizes = factors.map((s) => levelSize(image, s));
  const found: ImageSize[] = [];
  const maxWidth = info.maxWidth;
  const maxHeight = info.maxHeight ?? info.maxWidth;
  (sizes as unknown[]).forEach((s, i) => {
    if (!isObject(s) || !isPositiveInt(s.width) || !isPositiveInt(s.height)) {
      p.add(`sizes[${i}] must be {width, height} with positive integers, found ${show(s)}`);
      return;
    }
    const size = { width: s.width, height: s.height };
    found.push(size);
    if (tile && !levelSizes.some((l) => l.width === size.width && l.height === size.height)) {
      p.add(`sizes[${i}] ${size.width}x${size.height} is not the size of any level (ceil(W/s) x ceil(H/s)): levels are ${levelSizes.map((l) => `${l.width}x${l.height}`).join(', ')}`);
    }
    if (isPositiveInt(maxWidth) && size.width > maxWidth) p.add(`sizes[${i}] ${size.width}x${size.height} is wider than maxWidth ${maxWidth}`);
    if (isPositiveInt(maxHeight) && size.height > maxHeight) p.add(`sizes[${i}] ${size.width}x${size.height} is taller than maxHeight ${maxHeight}`);
  });
  return found;
}

/** Size of full/max: maxWidth x maxHeight when both are declared, else the image scaled to fit the one cap. */
function maxSize(info: Json, image: ImageSize, p: Problems): ServiceDescription['max'] {
  const { maxWidth, maxHeight } = info;
  if (maxWidth !== undefined) p.check(isPositiveInt(maxWidth), `maxWidth must be a positive integer, found ${show(maxWidth)}`);
  if (maxHeight !== undefined) p.check(isPositiveInt(maxHeight), `maxHeight must be a positive integer, found ${show(maxHeight)}`);
  const w = isPositiveInt(maxWidth) ? maxWidth : undefined;
  const h = isPositiveInt(maxHeight) ? maxHeight : w; // the spec: maxHeight defaults to maxWidth
  if (w !== undefined && isPositiveInt(maxHeight)) return { width: w, height: maxHeight, tolerance: 0 };
  if (h === undefined) return { ...image, tolerance: 0 };
  const scale = Math.min(1, (w ?? Infinity) / image.width, h / image.height);
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale), tolerance: 1 };
}

/**
 * Check an info.json (already parsed) of the image in `folder`. Problems go to `p`; returns what
 * the URL checks need, or undefined when the info.json is too broken to derive URLs from.
 */
export function checkInfoJson(info: unknown, folder: string, p: Problems): ServiceDescription | undefined {
  if (!p.check(isObject(info), 'must be a JSON object')) return undefined;
  const json = info as Json;
  const version = versionOf(json);
  if (!p.check(version !== undefined, `@context must be "${IMAGE_CONTEXT[3]}" or "${IMAGE_CONTEXT[2]}", found ${show(json['@context'])}`)) return undefined;
  const v = version as IiifVersion;

  const preferred = json.preferredFormats;
  if (preferred !== undefined) p.check(Array.isArray(preferred) && preferred.length > 0 && preferred.every((f) => typeof f === 'string'), `preferredFormats must be a non-empty list of strings, found ${show(preferred)}`);
  const format = Array.isArray(preferred) && typeof preferred[0] === 'string' ? preferred[0] : 'jpg';

  const id = checkId(json, v, folder, p);
  p.check(json.protocol === 'http://iiif.io/api/image', `protocol must be "http://iiif.io/api/image", found ${show(json.protocol)}`);
  checkProfile(json, v, format, p);
  const widthOk = p.check(isPositiveInt(json.width), `width must be a positive integer, found ${show(json.width)}`);
  const heightOk = p.check(isPositiveInt(json.height), `height must be a positive integer, found ${show(json.height)}`);
  if (!widthOk || !heightOk) return undefined;
  const image = { width: json.width as number, height: json.height as number };
  const tile = checkTiles(json, image, p);
  const sizes = checkSizes(json, image, tile, p);
  const max = maxSize(json, image, p);
  if (!id || !tile) return undefined;
  return { version: v, id, image, tile, sizes, format, max };
}
