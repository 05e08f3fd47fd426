// The files behind every URL a viewer asks for, and whether each exists with the right pixel size.
// URLs come from shared/iiif/geometry.ts, which builds them exactly as OpenSeadragon does.

import { join } from 'node:path';
import { levelTiles, maxPath, pyramidLevels, sizePath, sizeSegment, tilePath } from '../../shared/iiif/geometry.ts';
import { type HeaderFormat, readImageHeader } from './validate-header.ts';
import type { ServiceDescription } from './validate-info.ts';

/** A file that must exist under an image folder, with the pixel size it must have. */
export interface ExpectedFile {
  /** Relative to the image folder (the service id), e.g. `full/max/0/default.jpg`. */
  path: string;
  /** Expected pixel size; undefined when only existence and format are checked. */
  width?: number;
  height?: number;
  /** Allowed difference in pixels (only when the size cannot be derived exactly). */
  tolerance: number;
  /** Who asks for it, for messages. */
  why: string;
}

/** Distinct paths, first one wins: callers add the higher-resolution meaning of a path first. */
export class ExpectedFiles {
  readonly byPath = new Map<string, ExpectedFile>();
  add(file: ExpectedFile): void {
    if (!this.byPath.has(file.path)) this.byPath.set(file.path, file);
  }
  get size(): number {
    return this.byPath.size;
  }
}

/**
 * What OpenSeadragon and the IIIF clients ask for, from info.json alone: full/max (v3) or
 * full/full (v2), also as jpg when the tiles are another format (level 0 promises jpg), every
 * `sizes` entry (for v2 also in the `w,h` form Mirador builds whatever the version), and every
 * tile of every level.
 */
export function serviceFiles(service: ServiceDescription, files = new ExpectedFiles()): ExpectedFiles {
  const { version, image, tile, format } = service;
  const fullName = version === 3 ? 'full/max' : 'full/full';
  files.add({ path: maxPath(version, format), ...service.max, why: fullName });
  if (format !== 'jpg') files.add({ path: maxPath(version, 'jpg'), ...service.max, why: `${fullName} as jpg, which level 0 requires and the official image validator fetches` });
  const sizes = [...service.sizes].sort((a, b) => b.width * b.height - a.width * a.height);
  for (const s of sizes) files.add({ path: sizePath(version, s, format), ...s, tolerance: 0, why: `sizes entry ${s.width}x${s.height}` });
  if (version === 2) {
    for (const s of sizes) files.add({ path: sizePath(3, s, format), ...s, tolerance: 0, why: `sizes entry ${s.width}x${s.height} as Mirador asks for it` });
  }
  for (const level of pyramidLevels(image, tile)) {
    for (const t of levelTiles(image, tile, level)) {
      // v2 size `full` means the region at full size (only a 1-pixel-wide image has it below level 0).
      const fullSize = version === 2 && sizeSegment(2, image, t.sizeWidth, t.sizeHeight) === 'full';
      files.add({
        path: tilePath(version, image, t, format),
        width: fullSize ? t.w : t.sizeWidth,
        height: fullSize ? t.h : t.sizeHeight,
        tolerance: 0,
        why: `tile ${t.column},${t.row} of scale factor ${level.scale}`,
      });
    }
  }
  return files;
}

const EXTENSION_FORMAT: Record<string, HeaderFormat> = { jpg: 'jpg', jpeg: 'jpg', png: 'png', webp: 'webp' };
const FORMAT_NAME: Record<HeaderFormat, string> = { jpg: 'JPEG', png: 'PNG', webp: 'WebP' };

/** The problem with one expected file, or undefined when it is right. */
export function checkFile(folder: string, file: ExpectedFile): string | undefined {
  let header;
  try {
    header = readImageHeader(join(folder, file.path));
  } catch {
    return `missing ${file.path} (${file.why})`;
  }
  if (!header) return `${file.path} is not a JPEG, PNG or WebP image we can read (${file.why})`;
  const extension = file.path.slice(file.path.lastIndexOf('.') + 1).toLowerCase();
  const wanted = EXTENSION_FORMAT[extension];
  if (wanted && header.format !== wanted) return `${file.path} is a ${FORMAT_NAME[header.format]} file, not ${FORMAT_NAME[wanted]} (${file.why})`;
  const { width, height } = file;
  if (width === undefined || height === undefined) return undefined;
  const off = Math.abs(header.width - width) > file.tolerance || Math.abs(header.height - height) > file.tolerance;
  if (off) return `${file.path} is ${header.width}x${header.height}, expected ${file.width}x${file.height} (${file.why})`;
  return undefined;
}

/** Check every expected file; returns the problems, at most `limit` of them plus a count of the rest. */
export function checkFiles(folder: string, files: Iterable<ExpectedFile>, limit = 20): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const problem = checkFile(folder, file);
    if (problem) problems.push(problem);
  }
  return capList(problems, limit, 'missing or wrong files');
}

export function capList(list: string[], limit: number, what: string): string[] {
  if (list.length <= limit) return list;
  return [...list.slice(0, limit), `and ${list.length - limit} more ${what}`];
}
