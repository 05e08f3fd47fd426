// Thumbnails as Mirador 4 gets them (mirador/src/lib/ThumbnailFactory.js). For a manifest or a
// canvas, Mirador first picks a source resource: the first `thumbnail` of the resource itself;
// without one, a manifest falls back to its start (or first) canvas, and a canvas to its first
// image body. Then, from that source:
// - without an image service, it uses the source's own `id`;
// - with a level-0 service, it picks one of the service's `sizes` and builds
//   `{service}/full/w,h/0/default.{fmt}` whatever the IIIF version, in the first of the
//   service's `preferredFormats` it knows (jpg when absent); when no listed size suits the
//   thumbnail box and the service declares its width or height, the size segment is empty
//   (`full//0/...`), a URL no level-0 server has.
// test/validate.test.ts runs Mirador's own code to check this port.

import { type Json, isObject, isPositiveInt } from './validate-json.ts';

export interface ThumbnailRequest {
  maxWidth?: number;
  maxHeight?: number;
}

/** One URL Mirador requests; width and height when Mirador knows them (then the file must have them). */
export interface MiradorThumbnail {
  url: string;
  width?: number;
  height?: number;
}

/** The sizes Mirador asks for: its default, the manifest list (80x120), canvas navigation, gallery, thumbnail strip. */
export const MIRADOR_THUMBNAIL_REQUESTS: ThumbnailRequest[] = [{}, { maxHeight: 80, maxWidth: 120 }, { maxHeight: 50, maxWidth: 50 }, { maxHeight: 120 }, { maxWidth: 100 }];

/** Mirador's default `thumbnails.preferredFormats`. */
export const MIRADOR_PREFERRED_FORMATS = ['jpg', 'png', 'webp', 'tif'];

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

/** The first image service of a resource (`service` or `services`), as Mirador finds it. */
function imageServiceOf(resource: Json): Json | undefined {
  return [...asArray(resource.service), ...asArray(resource.services)].find((s): s is Json => isObject(s) && isImageService(s));
}

function isLevel0(service: Json): boolean {
  return LEVEL0_PROFILES.has(profileOf(service));
}

interface Size {
  width: number;
  height: number;
}

function listedSizes(service: Json): Size[] {
  return asArray(service.sizes).filter((s): s is Size => isObject(s) && isPositiveInt(s.width) && isPositiveInt(s.height));
}

/** The listed size just bigger than the target area, unless far too big; undefined when none fits. */
function selectBestImageSize(service: Json, targetArea: number): Size | undefined {
  const sizes = listedSizes(service);
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

function serviceUrl(service: Json, size: Size | undefined): string {
  const id = String(service.id ?? service['@id'] ?? '').replace(/\/+$/, '');
  const segment = size ? `${size.width},${size.height}` : '';
  return `${id}/full/${segment}/0/default.${formatOf(service)}`;
}

/** A resource used as it is: its `id`, and its declared size. */
function staticImage(resource: Json): MiradorThumbnail | undefined {
  const id = resource.id ?? resource['@id'];
  if (typeof id !== 'string') return undefined;
  return { url: id, width: isPositiveInt(resource.width) ? resource.width : undefined, height: isPositiveInt(resource.height) ? resource.height : undefined };
}

/**
 * The URL Mirador requests for a source resource (ThumbnailFactory.iiifThumbnailUrl) at one
 * requested size. Undefined for services other than level 0 (not modelled: we write level 0).
 */
function thumbnailOfSource(source: Json, request: ThumbnailRequest): MiradorThumbnail | undefined {
  const service = imageServiceOf(source);
  if (!service) return staticImage(source);
  if (!isLevel0(service)) return undefined;
  const maxHeight = request.maxHeight ? Math.max(request.maxHeight, MIN_DIMENSION) : MIN_DIMENSION;
  const maxWidth = request.maxWidth ? Math.max(request.maxWidth, MIN_DIMENSION) : MIN_DIMENSION;
  const target = request.maxWidth && request.maxHeight ? request.maxWidth * request.maxHeight : maxHeight * maxWidth;
  const best = selectBestImageSize(service, target);
  if (!best && !service.width && !service.height) return staticImage(source);
  return { url: serviceUrl(service, best), width: best?.width, height: best?.height };
}

type MiradorResourceKind = 'manifest' | 'canvas' | 'image';

/** Where a thumbnail comes from: a URL given as a plain string, or a resource; `why` names it for messages. */
type Source = { url: string; why: string } | { resource: Json; why: string };

/** manifesto's getType() === 'image': `Image` or `dctypes:Image`, in any case. */
function isImage(resource: Json): boolean {
  const type = resource.type ?? resource['@type'];
  return typeof type === 'string' && type.toLowerCase().replace(/^dctypes:/, '') === 'image';
}

function canvasesOf(manifest: Json): Json[] {
  return asArray(manifest.items).filter(isObject);
}

/** The canvas Mirador shows first: the one `start` names, else the first. */
function startCanvas(manifest: Json): Json | undefined {
  const canvases = canvasesOf(manifest);
  const start = isObject(manifest.start) ? (manifest.start.id ?? manifest.start.source) : undefined;
  return canvases.find((c) => start !== undefined && c.id === start) ?? canvases[0];
}

/** The first body of the canvas's first annotation page that has an image service, else the first body. */
function preferredImage(canvas: Json): Json | undefined {
  const page = asArray(canvas.items)[0];
  const annotations = isObject(page) ? asArray(page.items).filter(isObject) : [];
  const bodies = annotations
    .flatMap((a) => asArray(a.body))
    .flatMap((b) => (isObject(b) && b.type === 'Choice' ? asArray(b.items) : [b]))
    .filter(isObject);
  return bodies.find((b) => imageServiceOf(b)) ?? bodies[0];
}

/** ThumbnailFactory.getSourceContentResource: the resource a thumbnail is derived from. */
function sourceOf(resource: Json, kind: MiradorResourceKind, why: string): Source | undefined {
  const thumbnail = asArray(resource.thumbnail)[0];
  if (typeof thumbnail === 'string') return { url: thumbnail, why: `${why} thumbnail[0]` };
  if (isObject(thumbnail)) {
    // An image with a service is preferred over its thumbnail without one.
    if (kind === 'image' && isImage(resource) && imageServiceOf(resource) && !imageServiceOf(thumbnail)) return { resource, why };
    return { resource: thumbnail, why: `${why} thumbnail[0]` };
  }
  if (kind === 'manifest') {
    const canvas = startCanvas(resource);
    return canvas ? sourceOf(canvas, 'canvas', `${why} > first canvas`) : undefined;
  }
  if (kind === 'canvas') {
    const image = preferredImage(resource);
    return image ? sourceOf(image, 'image', `${why} > painting body`) : undefined;
  }
  return isImage(resource) ? { resource, why } : undefined;
}

/** What Mirador's `getBestThumbnail(resource, { ...request })` returns, for a manifest or a canvas. */
export function miradorThumbnail(resource: Json, kind: 'manifest' | 'canvas', request: ThumbnailRequest = {}): MiradorThumbnail | undefined {
  const source = sourceOf(resource, kind, kind);
  if (!source) return undefined;
  if ('url' in source) return { url: source.url };
  return thumbnailOfSource(source.resource, request);
}

/**
 * Every distinct thumbnail URL Mirador may request for a manifest and each of its canvases: each
 * requested size, and, when the source has a level-0 service, each listed size (any of them can
 * suit some thumbnail box). `why` says what the URL was derived from.
 */
export function miradorThumbnails(manifest: Json): Array<MiradorThumbnail & { why: string }> {
  const found = new Map<string, MiradorThumbnail & { why: string }>();
  const add = (t: MiradorThumbnail, why: string): void => {
    if (!found.has(t.url)) found.set(t.url, { ...t, why: `Mirador thumbnail: ${why}` });
  };
  const canvases = canvasesOf(manifest).map((c, i) => ({ resource: c, kind: 'canvas' as const, name: `canvas ${i + 1}` }));
  for (const { resource, kind, name } of [{ resource: manifest, kind: 'manifest' as const, name: 'manifest' }, ...canvases]) {
    const source = sourceOf(resource, kind, name);
    if (!source) continue;
    if ('url' in source) {
      add({ url: source.url }, source.why);
      continue;
    }
    const service = imageServiceOf(source.resource);
    const why = service ? `service of ${source.why}` : source.why;
    for (const request of MIRADOR_THUMBNAIL_REQUESTS) {
      const t = thumbnailOfSource(source.resource, request);
      if (t) add(t, why);
    }
    if (service && isLevel0(service)) {
      for (const s of listedSizes(service)) add({ url: serviceUrl(service, s), ...s }, why);
    }
  }
  return [...found.values()];
}
