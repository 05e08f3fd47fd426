// Expand the inputs of `agent tile`: files, folders (recursive) and globs, into image files.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import fg from 'fast-glob';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'jpe', 'png', 'tif', 'tiff', 'webp', 'gif', 'ppm', 'pgm', 'pbm', 'pnm', 'jp2', 'j2k', 'jpx', 'pdf', 'heic', 'heif', 'avif', 'jxl', 'bmp'];
const EXT_GLOB = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;

export interface ExpandedInputs {
  files: string[];
  /** Inputs that matched nothing (reported, not fatal). */
  unmatched: string[];
}

export function expandInputs(inputs: string[]): ExpandedInputs {
  const files: string[] = [];
  const unmatched: string[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    const abs = resolve(f);
    if (!seen.has(abs)) {
      seen.add(abs);
      files.push(abs);
    }
  };
  for (const input of inputs) {
    let stat;
    try {
      stat = statSync(input);
    } catch {
      stat = undefined;
    }
    if (stat?.isFile()) {
      // A file named explicitly is always tried: a wrong type gets a clear error, not silence.
      add(input);
    } else if (stat?.isDirectory()) {
      const found = fg.sync(EXT_GLOB, { cwd: input, caseSensitiveMatch: false, absolute: true, dot: false, onlyFiles: true, ignore: ['**/.tessella-staging/**'] });
      found.sort().forEach(add);
      if (found.length === 0) unmatched.push(input);
    } else if (fg.isDynamicPattern(input)) {
      const found = fg.sync(input, { absolute: true, onlyFiles: true, caseSensitiveMatch: false });
      found.sort().forEach(add);
      if (found.length === 0) unmatched.push(input);
    } else {
      unmatched.push(input);
    }
  }
  return { files, unmatched };
}
