// `agent validate DIR`: check an output folder the way viewers and the IIIF validators see it.
// Per image: info.json level-0 rules, a file of the right pixel size behind every URL
// OpenSeadragon asks for (every tile of every level, every `sizes` entry, full/max, and its
// jpg copy for other formats), the manifest, the images it points at and the thumbnails
// Mirador requests for it. Then collection.json, and optionally the IIIF schema.
// Problems make the command fail; warnings (a manifest the collection does not list) do not.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ExpectedFile, ExpectedFiles, capList, checkFiles, serviceFiles } from '../lib/validate-files.ts';
import { type ServiceDescription, checkInfoJson } from '../lib/validate-info.ts';
import { Problems } from '../lib/validate-json.ts';
import { type ReferencedImage, checkCollection, checkManifest } from '../lib/validate-manifest.ts';
import { type SchemaCheck, loadSchema } from '../lib/validate-schema.ts';

export interface ValidateOptions {
  /** A IIIF Presentation 3 JSON schema file to validate manifests and the collection against. */
  schema?: string;
}

export interface ImageValidation {
  id: string;
  checkedUrls: number;
  problems: string[];
  warnings: string[];
}

export interface ValidationReport {
  dir: string;
  images: ImageValidation[];
  /** Every problem, prefixed with the image id or the file. */
  problems: string[];
  warnings: string[];
  checkedUrls: number;
}

/** Most problems of one kind listed per image; the rest are counted. */
const LIST_LIMIT = 20;

function readJson(file: string): { json?: unknown; error?: string } {
  if (!existsSync(file)) return { error: 'missing' };
  try {
    return { json: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  } catch (err) {
    return { error: `not valid JSON: ${(err as Error).message}` };
  }
}

/** Image folders: every folder with an info.json, except dot-folders (staging, hidden). */
export function imageFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'info.json')))
    .map((e) => e.name)
    .sort();
}

/** The path of `url` inside the folder of the service `serviceId`, or undefined when it is not under it. */
export function pathUnder(serviceId: string, url: string): string | undefined {
  if (!url.startsWith(`${serviceId}/`)) return undefined;
  const rest = url.slice(serviceId.length + 1).split(/[?#]/)[0]!;
  let segments;
  try {
    segments = rest.split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return segments.join('/');
}

function asExpected(image: ReferencedImage, path: string): ExpectedFile {
  return { path, width: image.width, height: image.height, tolerance: 0, why: image.why };
}

interface ImageResult {
  validation: ImageValidation;
  service?: ServiceDescription;
  manifestId?: string;
}

/** Thumbnail and painting body images of a manifest: files of the image folder that must exist. */
function addManifestImages(images: ReferencedImage[], service: ServiceDescription, files: ExpectedFiles, p: Problems): void {
  for (const image of images) {
    const path = pathUnder(service.id, image.url);
    if (path) files.add(asExpected(image, path));
    else p.add(`${image.why} ${image.url} is not a file under the image service ${service.id}`);
  }
}

/** What Mirador requests for thumbnails: files that must exist; each URL it cannot map to a file is reported once. */
function addMiradorImages(images: ReferencedImage[], service: ServiceDescription, files: ExpectedFiles, p: Problems): void {
  const reported = new Set<string>();
  for (const image of images) {
    const path = pathUnder(service.id, image.url);
    if (path) {
      files.add(asExpected(image, path));
      continue;
    }
    if (reported.has(image.url)) continue;
    reported.add(image.url);
    if (image.url.includes('/full//')) p.add(`Mirador would request ${image.url}: no listed size suits its thumbnail box, so it builds an empty size (${image.why})`);
    else p.add(`Mirador would request ${image.url}, which is not under the image service ${service.id} (${image.why})`);
  }
}

function validateImage(dir: string, id: string, schema: SchemaCheck | undefined): ImageResult {
  const folder = join(dir, id);
  const problems = new Problems();

  const info = readJson(join(folder, 'info.json'));
  const infoProblems = new Problems('info.json: ');
  let service: ServiceDescription | undefined;
  if (info.error) infoProblems.add(info.error);
  else service = checkInfoJson(info.json, id, infoProblems);
  problems.list.push(...infoProblems.list);

  // What viewers ask for (from info.json), then the images the manifest points at, then
  // Mirador's thumbnails (for our manifests, the thumbnail ids again).
  const files = service ? serviceFiles(service) : new ExpectedFiles();
  const manifestProblems = new Problems('manifest.json: ');
  const manifest = readJson(join(folder, 'manifest.json'));
  let manifestId: string | undefined;
  if (manifest.error) manifestProblems.add(manifest.error);
  else {
    const found = checkManifest(manifest.json, id, service, manifestProblems);
    manifestId = found.id;
    if (schema) manifestProblems.list.push(...capList(schema(manifest.json), LIST_LIMIT, 'schema errors').map((e) => `manifest.json: ${e}`));
    if (service) {
      addManifestImages(found.images, service, files, manifestProblems);
      addMiradorImages(found.miradorImages, service, files, manifestProblems);
    }
  }
  problems.list.push(...manifestProblems.list);

  if (service) problems.list.push(...checkFiles(folder, files.byPath.values(), LIST_LIMIT));
  return { validation: { id, checkedUrls: files.size, problems: problems.list, warnings: [] }, service, manifestId };
}

/** The base URL shared by every service (service id minus `/<id>`), when there is exactly one. */
function commonBase(results: ImageResult[]): string | undefined {
  const bases = new Set(results.filter((r) => r.service).map((r) => r.service!.id.slice(0, -(r.validation.id.length + 1))));
  return bases.size === 1 ? [...bases][0] : undefined;
}

function validateCollection(dir: string, results: ImageResult[], schema: SchemaCheck | undefined): { problems: string[]; warnings: string[]; checked: number } {
  const p = new Problems('collection.json: ');
  const warnings = new Problems('collection.json: ');
  const file = readJson(join(dir, 'collection.json'));
  if (file.error) {
    p.add(file.error);
    return { problems: p.list, warnings: warnings.list, checked: 0 };
  }
  const manifestIds = new Set(results.map((r) => r.manifestId).filter((id): id is string => id !== undefined));
  const thumbnails = checkCollection(file.json, manifestIds, commonBase(results), p);
  if (schema) p.list.push(...capList(schema(file.json), LIST_LIMIT, 'schema errors').map((e) => `collection.json: ${e}`));

  const listed = new Set(((file.json as { items?: Array<{ id?: unknown }> }).items ?? []).map((i) => i?.id));
  for (const r of results) if (r.manifestId && !listed.has(r.manifestId)) warnings.add(`does not list the manifest ${r.manifestId}`);

  // Collection thumbnails point into image folders: each must be a file there.
  let checked = 0;
  for (const t of thumbnails) {
    if (typeof t.id !== 'string') continue;
    const owner = results.find((r) => r.service && pathUnder(r.service.id, t.id as string));
    if (!owner?.service) {
      p.add(`thumbnail ${t.id} is not a file under any image service of this folder`);
      continue;
    }
    checked += 1;
    const path = pathUnder(owner.service.id, t.id)!;
    const image = { url: t.id, width: t.width as number | undefined, height: t.height as number | undefined, why: 'collection thumbnail' };
    p.list.push(...checkFiles(join(dir, owner.validation.id), [asExpected(image, path)]).map((e) => `collection.json: ${e}`));
  }
  return { problems: p.list, warnings: warnings.list, checked };
}

/** Validate an output folder of `agent tile`. Never throws for problems in the folder; they are reported. */
export async function validateFolder(dir: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const root = resolve(dir);
  const report: ValidationReport = { dir: root, images: [], problems: [], warnings: [], checkedUrls: 0 };
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    report.problems.push(`${dir}: no such folder`);
    return report;
  }
  const schema = options.schema ? loadSchema(options.schema) : undefined;
  const ids = imageFolders(root);
  if (ids.length === 0) {
    report.problems.push(`${dir}: no image folders (folders with an info.json)`);
    return report;
  }
  const results: ImageResult[] = [];
  for (const id of ids) {
    const result = validateImage(root, id, schema);
    results.push(result);
    // One image at a time, but let other work (a server in the same process) run in between.
    await new Promise((r) => setImmediate(r));
  }
  for (const { validation: v } of results) {
    report.images.push(v);
    report.problems.push(...v.problems.map((p) => `${v.id}: ${p}`));
    report.warnings.push(...v.warnings.map((w) => `${v.id}: ${w}`));
    report.checkedUrls += v.checkedUrls;
  }
  const collection = validateCollection(root, results, schema);
  report.problems.push(...collection.problems);
  report.warnings.push(...collection.warnings);
  report.checkedUrls += collection.checked;
  return report;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Human-readable report: one line per image, its problems and warnings, then a summary line. */
export function formatValidation(report: ValidationReport): string {
  const lines: string[] = [];
  for (const image of report.images) {
    const status = image.problems.length === 0 ? 'ok' : plural(image.problems.length, 'problem');
    lines.push(`${image.id}: ${status} (${plural(image.checkedUrls, 'URL')} checked)`);
    for (const p of image.problems) lines.push(`  problem: ${p}`);
    for (const w of image.warnings) lines.push(`  warning: ${w}`);
  }
  const imageIds = new Set(report.images.map((i) => i.id));
  const prefixed = (s: string): boolean => imageIds.has(s.slice(0, s.indexOf(': ')));
  for (const p of report.problems.filter((s) => !prefixed(s))) lines.push(`problem: ${p}`);
  for (const w of report.warnings.filter((s) => !prefixed(s))) lines.push(`warning: ${w}`);
  const warnings = report.warnings.length > 0 ? `, ${plural(report.warnings.length, 'warning')}` : '';
  lines.push(`${plural(report.images.length, 'image')}, ${plural(report.checkedUrls, 'URL')} checked, ${plural(report.problems.length, 'problem')}${warnings}`);
  return `${lines.join('\n')}\n`;
}
