// Presentation 3 checks for the manifests and the collection Tessella writes: the rules viewers and
// the IIIF presentation validator rely on, written as plain checks (no copy of the IIIF schema).

import { maxPath } from '../../shared/iiif/geometry.ts';
import { LEVEL0_V2_PROFILE } from '../../shared/iiif/info.ts';
import { PRESENTATION_CONTEXT } from '../../shared/iiif/manifest.ts';
import type { ServiceDescription } from './validate-info.ts';
import { type Json, Problems, hasContext, isHttpUrl, isLanguageMap, isObject, isPositiveInt, show } from './validate-json.ts';
import { miradorThumbnails } from './validate-mirador.ts';

/** An image URL a manifest points at; it must be a file of the image's folder. */
export interface ReferencedImage {
  url: string;
  width?: number;
  height?: number;
  why: string;
}

export interface ManifestFindings {
  /** The manifest's `id`, when it has one. */
  id?: string;
  /** thumbnail ids (manifest and canvas) and the painting body id: must exist. */
  images: ReferencedImage[];
  /** What Mirador requests for the thumbnails of the manifest and its canvases: must exist too. */
  miradorImages: ReferencedImage[];
}

/** Rights URIs the presentation validator accepts: Creative Commons or RightsStatements.org, over http. */
const RIGHTS = /^http:\/\/(creativecommons\.org\/(licenses|publicdomain)\/|rightsstatements\.org\/vocab\/)/;

const MIME: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', tif: 'image/tiff', gif: 'image/gif' };

function checkLanguageMap(value: unknown, where: string, p: Problems): void {
  p.check(isLanguageMap(value), `${where} must be a language map of string lists like {"en": ["..."]}, found ${show(value)}`);
}

function checkLabelValue(value: unknown, where: string, p: Problems): void {
  if (!p.check(isObject(value), `${where} must be an object with label and value, found ${show(value)}`)) return;
  const v = value as Json;
  checkLanguageMap(v.label, `${where}.label`, p);
  checkLanguageMap(v.value, `${where}.value`, p);
}

function checkDescriptive(doc: Json, p: Problems): void {
  checkLanguageMap(doc.label, 'label', p);
  if (doc.summary !== undefined) checkLanguageMap(doc.summary, 'summary', p);
  if (doc.metadata !== undefined && p.check(Array.isArray(doc.metadata), `metadata must be a list, found ${show(doc.metadata)}`)) {
    (doc.metadata as unknown[]).forEach((m, i) => checkLabelValue(m, `metadata[${i}]`, p));
  }
  if (doc.requiredStatement !== undefined) checkLabelValue(doc.requiredStatement, 'requiredStatement', p);
  if (doc.rights !== undefined) {
    p.check(typeof doc.rights === 'string' && RIGHTS.test(doc.rights), `rights must be an http:// (not https) creativecommons.org or rightsstatements.org URI, found ${show(doc.rights)}`);
  }
}

/** thumbnail: a list of {id, type}; returns the entries that are objects. */
function checkThumbnails(value: unknown, where: string, p: Problems): Json[] {
  if (value === undefined) return [];
  if (!p.check(Array.isArray(value), `${where} must be a list, found ${show(value)}`)) return [];
  const found: Json[] = [];
  (value as unknown[]).forEach((t, i) => {
    if (!p.check(isObject(t), `${where}[${i}] must be an object, found ${show(t)}`)) return;
    const thumb = t as Json;
    p.check(isHttpUrl(thumb.id), `${where}[${i}].id must be an absolute http(s) URL, found ${show(thumb.id)}`);
    p.check(typeof thumb.type === 'string' && thumb.type !== '', `${where}[${i}].type is missing`);
    found.push(thumb);
  });
  return found;
}

/** The object at `list[0]`, with its type checked; undefined (and a problem) when absent. */
function firstOf(parent: Json, where: string, type: string, p: Problems): Json | undefined {
  const list = parent.items;
  if (!p.check(Array.isArray(list) && list.length > 0, `${where}.items must be a non-empty list, found ${show(list)}`)) return undefined;
  const item = (list as unknown[])[0];
  if (!p.check(isObject(item), `${where}.items[0] must be an object`)) return undefined;
  const json = item as Json;
  p.check(json.type === type, `${where}.items[0].type must be "${type}", found ${show(json.type)}`);
  return json;
}

function checkEmbeddedService(body: Json, service: ServiceDescription, p: Problems): void {
  const list = body.service;
  const where = 'painting body service';
  if (!p.check(Array.isArray(list) && list.length > 0 && isObject(list[0]), `${where} must be a non-empty list of objects, found ${show(list)}`)) return;
  const s = (list as Json[])[0]!;
  const v3 = service.version === 3;
  const id = v3 ? s.id : (s['@id'] ?? s.id);
  const type = v3 ? s.type : (s['@type'] ?? s.type);
  p.check(id === service.id, `${where}[0] ${v3 ? 'id' : '@id'} must be the info.json id ${service.id}, found ${show(id)}`);
  const wantedType = v3 ? 'ImageService3' : 'ImageService2';
  p.check(type === wantedType, `${where}[0] ${v3 ? 'type' : '@type'} must be "${wantedType}", found ${show(type)}`);
  const profiles = v3 ? ['level0'] : [LEVEL0_V2_PROFILE, 'level0'];
  p.check(profiles.includes(s.profile as string), `${where}[0].profile must be ${profiles.map((x) => `"${x}"`).join(' or ')}, found ${show(s.profile)}`);
  if (s.width !== undefined) p.check(s.width === service.image.width, `${where}[0].width must be ${service.image.width} (info.json), found ${show(s.width)}`);
  if (s.height !== undefined) p.check(s.height === service.image.height, `${where}[0].height must be ${service.image.height} (info.json), found ${show(s.height)}`);
  if (s.sizes !== undefined && p.check(Array.isArray(s.sizes), `${where}[0].sizes must be a list, found ${show(s.sizes)}`)) {
    for (const size of s.sizes as unknown[]) {
      const listed = isObject(size) && service.sizes.some((x) => x.width === size.width && x.height === size.height);
      p.check(listed, `${where}[0].sizes has ${show(size)}, which info.json does not list`);
    }
  }
}

function checkPaintingBody(anno: Json, service: ServiceDescription | undefined, p: Problems): Json | undefined {
  const body = anno.body;
  if (!p.check(isObject(body), `painting annotation body must be an object, found ${show(body)}`)) return undefined;
  const b = body as Json;
  p.check(b.type === 'Image', `painting body type must be "Image", found ${show(b.type)}`);
  p.check(isHttpUrl(b.id), `painting body id must be an absolute http(s) URL, found ${show(b.id)}`);
  p.check(isPositiveInt(b.width) && isPositiveInt(b.height), `painting body must have integer width and height, found ${show(b.width)}x${show(b.height)}`);
  if (!service) return b;
  const expected = `${service.id}/${maxPath(service.version, service.format)}`;
  p.check(b.id === expected, `painting body id must be ${expected}, found ${show(b.id)}`);
  const mime = MIME[service.format];
  if (mime) p.check(b.format === mime, `painting body format must be "${mime}", found ${show(b.format)}`);
  if (service.max.tolerance === 0) {
    p.check(b.width === service.max.width && b.height === service.max.height, `painting body must be ${service.max.width}x${service.max.height} (the size of ${maxPath(service.version, service.format)}), found ${show(b.width)}x${show(b.height)}`);
  }
  checkEmbeddedService(b, service, p);
  return b;
}

function referenced(resource: Json, why: string): ReferencedImage {
  return {
    url: String(resource.id),
    width: isPositiveInt(resource.width) ? resource.width : undefined,
    height: isPositiveInt(resource.height) ? resource.height : undefined,
    why,
  };
}

/**
 * Check the manifest of the image in `folder` against the Presentation 3 rules we rely on.
 * `service` is the info.json's description when it could be read.
 */
export function checkManifest(manifest: unknown, folder: string, service: ServiceDescription | undefined, p: Problems): ManifestFindings {
  const findings: ManifestFindings = { images: [], miradorImages: [] };
  if (!p.check(isObject(manifest), 'must be a JSON object')) return findings;
  const m = manifest as Json;
  p.check(hasContext(m, PRESENTATION_CONTEXT), `@context must be "${PRESENTATION_CONTEXT}", found ${show(m['@context'])}`);
  if (service) {
    const expected = `${service.id}/manifest.json`;
    p.check(m.id === expected, `id must be ${expected} (where it is served), found ${show(m.id)}`);
  } else {
    p.check(isHttpUrl(m.id) && m.id.endsWith(`/${folder}/manifest.json`), `id must be an absolute URL ending /${folder}/manifest.json, found ${show(m.id)}`);
  }
  if (typeof m.id === 'string') findings.id = m.id;
  p.check(m.type === 'Manifest', `type must be "Manifest", found ${show(m.type)}`);
  checkDescriptive(m, p);
  const thumbnails = checkThumbnails(m.thumbnail, 'thumbnail', p);
  thumbnails.forEach((t, i) => {
    if (isHttpUrl(t.id)) findings.images.push(referenced(t, `thumbnail[${i}]`));
  });
  findings.miradorImages = miradorThumbnails(m);

  const canvas = firstOf(m, 'manifest', 'Canvas', p);
  if (!canvas) return findings;
  p.check(isHttpUrl(canvas.id), `canvas id must be an absolute http(s) URL, found ${show(canvas.id)}`);
  if (canvas.label !== undefined) checkLanguageMap(canvas.label, 'canvas label', p);
  checkThumbnails(canvas.thumbnail, 'canvas thumbnail', p).forEach((t, i) => {
    if (isHttpUrl(t.id)) findings.images.push(referenced(t, `canvas thumbnail[${i}]`));
  });
  const sized = p.check(isPositiveInt(canvas.width) && isPositiveInt(canvas.height), `canvas width and height must be positive integers, found ${show(canvas.width)}x${show(canvas.height)}`);
  if (sized && service) {
    const { width, height } = service.image;
    p.check(canvas.width === width && canvas.height === height, `canvas must be ${width}x${height} like info.json, found ${show(canvas.width)}x${show(canvas.height)}`);
  }
  const page = firstOf(canvas, 'canvas', 'AnnotationPage', p);
  if (!page) return findings;
  p.check(isHttpUrl(page.id), `annotation page id must be an absolute http(s) URL, found ${show(page.id)}`);
  const anno = firstOf(page, 'annotation page', 'Annotation', p);
  if (!anno) return findings;
  p.check(isHttpUrl(anno.id), `annotation id must be an absolute http(s) URL, found ${show(anno.id)}`);
  p.check(anno.motivation === 'painting', `annotation motivation must be "painting", found ${show(anno.motivation)}`);
  const target = isObject(anno.target) ? anno.target.id : anno.target;
  p.check(target === canvas.id, `annotation target must be the canvas id ${show(canvas.id)}, found ${show(anno.target)}`);
  const body = checkPaintingBody(anno, service, p);
  if (body && isHttpUrl(body.id)) findings.images.push(referenced(body, 'painting body'));
  return findings;
}

/**
 * Check collection.json: a Collection whose items are the manifests of the folder.
 * `manifestIds` are the ids of the manifests found in the folder; `baseUrl` the common base of the services.
 */
export function checkCollection(collection: unknown, manifestIds: Set<string>, baseUrl: string | undefined, p: Problems): Json[] {
  if (!p.check(isObject(collection), 'must be a JSON object')) return [];
  const c = collection as Json;
  p.check(hasContext(c, PRESENTATION_CONTEXT), `@context must be "${PRESENTATION_CONTEXT}", found ${show(c['@context'])}`);
  if (baseUrl) p.check(c.id === `${baseUrl}/collection.json`, `id must be ${baseUrl}/collection.json, found ${show(c.id)}`);
  else p.check(isHttpUrl(c.id), `id must be an absolute http(s) URL, found ${show(c.id)}`);
  p.check(c.type === 'Collection', `type must be "Collection", found ${show(c.type)}`);
  checkDescriptive(c, p);
  const thumbnails: Json[] = [];
  if (!p.check(Array.isArray(c.items), `items must be a list, found ${show(c.items)}`)) return thumbnails;
  (c.items as unknown[]).forEach((item, i) => {
    if (!p.check(isObject(item), `items[${i}] must be an object, found ${show(item)}`)) return;
    const it = item as Json;
    p.check(it.type === 'Manifest', `items[${i}].type must be "Manifest", found ${show(it.type)}`);
    p.check(typeof it.id === 'string' && manifestIds.has(it.id), `items[${i}].id ${show(it.id)} is not the id of a manifest in this folder`);
    checkLanguageMap(it.label, `items[${i}].label`, p);
    thumbnails.push(...checkThumbnails(it.thumbnail, `items[${i}].thumbnail`, p));
  });
  return thumbnails;
}
