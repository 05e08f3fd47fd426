// Thumbnail URLs as Mirador 4 builds them (ThumbnailFactory.iiifThumbnailUrl) for a resource
// with an embedded image service. Mirador does not use a thumbnail's own `id` when it has a
// service: it picks one of the service's `sizes` and builds `{service}/full/w,h/0/default.{fmt}`,
// in the format of the service's `preferredFormats` (jpg when absent), whatever the IIIF version.
// test/validate.test.ts runs Mirador's own code to check this port.

import { type Json, isObject, isPositiveInt } from './validate-json.ts';

export interface ThumbnailRequest {
  maxWidth?: number;
  maxHeight?: number;
}

/** The sizes Mirador asks for: its default, the manifest list (80x120), canvas navigation, gallery, thumbnail strip. */
export const MIRADOR_THUMBNAIL_REQUESTS: ThumbnailRequest[] = [{}, { maxHeight: 80, maxWidth: 120 }, { maxHeight: 50, maxWidth: 50 }, { maxHeight: 120 }, { maxWidth: 100 }];

const MIRADOR_PREFERRED_FORMATS = ['jpg', 'png', 'webp', 'tif'];
const MIN_DIMENSION = 120;
const LEVEL0_PROFILES = new Set([
  'level0',
  'http://iiif.io/api/image/2/level0.json',
  'http://iiif.io/api/image/2/profiles/level0.json',
  'http://iiif.io/api/image/1/level0.json',
  'http://iiif.io/api/image/1/profiles/level0.json',
  'http://library.stanford.edu/iiif/image-api/compliance.html#level0',
  'http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level0',
]);

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function profileOf(service: Json): string {
  const p = asArray(service.profile)[0];
  return typeof p === 'string' ? p : '';
}

function isImageService(service: Json): boolean {
  const types = asArray(service.type ?? service['@type']);
  return types.some((t) => typeof t === 'string' && t.startsWith('ImageService')) || profileOf(service).startsWith('http://iiif.io/api/image/') || LEVEL0_PROFILES.has(profileOf(service));
}

interface Size {
  width: number;
  height: number;
}

/** The listed size just bigger than the target area, unless far too big; undefined when none fits. */
function selectBestImageSize(service: Json, targetArea: number): Size | undefined {
  const sizes = asArray(service.sizes).filter((s): s is Size => isObject(s) && isPositiveInt(s.width) && isPositiveInt(s.height));
  const fallback = { width: isPositiveInt(service.width) ? service.width : Number.MAX_SAFE_INTEGER, height: isPositiveInt(service.height) ? service.height : Number.MAX_SAFE_INTEGER };
  const fitness = (s: Size): number => s.width * s.height - targetArea;
  let best: Size = fallback;
  for (const s of sizes) if (fitness(s) >= 0 && Math.abs(fitness(s)) < Math.abs(fitness(best))) best = s;
  if (best.width * best.height > targetArea * 6) {
    for (const s of sizes) if (Math.abs(fitness(s)) < Math.abs(fitness(best))) best = s;
  }
  return best === fallback ? undefined : best;
}

function formatOf(service: Json): string {
  const offered = service.preferredFormats;
  if (!Array.isArray(offered)) return 'jpg';
  const common = offered.filter((f) => MIRADOR_PREFERRED_FORMATS.includes(f));
  if (typeof common[0] === 'string') return common[0];
  if (!offered.includes('jpg')) return 'jpg';
  return typeof offered[0] === 'string' ? offered[0] : 'jpg';
}

/**
 * The URL Mirador requests for the thumbnail of `resource` (a thumbnail entry or a painting body)
 * at one requested size. Returns undefined when the resource has no level-0 image service (not
 * modelled here). A URL with an empty size segment (`full//0/...`) is what Mirador really builds
 * when no listed size suits it and the service declares its width or height.
 */
export function miradorThumbnailUrl(resource: Json, request: ThumbnailRequest = {}): { url: string; width?: number; height?: number } | undefined {
  const service = asArray(resource.service).find((s): s is Json => isObject(s) && isImageService(s));
  if (!service) return typeof resource.id === 'string' ? { url: resource.id } : undefined;
  if (!LEVEL0_PROFILES.has(profileOf(service))) return undefined;
  const maxHeight = request.maxHeight ? Math.max(request.maxHeight, MIN_DIMENSION) : MIN_DIMENSION;
  const maxWidth = request.maxWidth ? Math.max(request.maxWidth, MIN_DIMENSION) : MIN_DIMENSION;
  const target = request.maxWidth && request.maxHeight ? request.maxWidth * request.maxHeight : maxHeight * maxWidth;
  const best = selectBestImageSize(service, target);
  if (!best && !service.width && !service.height) return typeof resource.id === 'string' ? { url: resource.id } : undefined;
  return { url: thumbnailUrl(service, best), width: best?.width, height: best?.height };
}

function thumbnailUrl(service: Json, size: Size | undefined): string {
  const id = String(service.id ?? service['@id'] ?? '').replace(/\/+$/, '');
  const segment = size ? `${size.width},${size.height}` : '';
  return `${id}/full/${segment}/0/default.${formatOf(service)}`;
}

/** Every distinct thumbnail URL Mirador may request for `resource`: each requested size, and each listed size. */
export function miradorThumbnailUrls(resource: Json): Array<{ url: string; width?: number; height?: number }> {
  const found = new Map<string, { url: string; width?: number; height?: number }>();
  for (const request of MIRADOR_THUMBNAIL_REQUESTS) {
    const t = miradorThumbnailUrl(resource, request);
    if (t && !found.has(t.url)) found.set(t.url, t);
  }
  const service = asArray(resource.service).find((s): s is Json => isObject(s) && isImageService(s));
  if (service && LEVEL0_PROFILES.has(profileOf(service))) {
    // Any listed size can be chosen for some thumbnail box, so every one must exist.
    for (const s of asArray(service.sizes)) {
      if (!isObject(s) || !isPositiveInt(s.width) || !isPositiveInt(s.height)) continue;
      const url = thumbnailUrl(service, { width: s.width, height: s.height });
      if (!found.has(url)) found.set(url, { url, width: s.width, height: s.height });
    }
  }
  return [...found.values()];
}
