// Expand the inputs of `agent tile`: files, folders (recursive) and globs, into image files.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type FastGlob from 'fast-glob';

/** fast-glob, loaded on first use: ~0.1 s of start-up that inputs naming files do not need. */
let fastGlob: typeof FastGlob | undefined;
const glob = (): typeof FastGlob => (fastGlob ??= createRequire(import.meta.url)('fast-glob') as typeof FastGlob);

/** Whether an input is a glob pattern rather than a path (a path that exists is never one). */
const looksLikeGlob = (input: string): boolean => /[*?[\]{}()!@+]/.test(input) && glob().isDynamicPattern(input);

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
      const found = glob().sync(EXT_GLOB, { cwd: input, caseSensitiveMatch: false, absolute: true, dot: false, onlyFiles: true, ignore: ['**/.tessella-staging/**'] });
      found.sort().forEach(add);
      if (found.length === 0) unmatched.push(input);
    } else if (looksLikeGlob(input)) {
      const found = glob().sync(input, { absolute: true, onlyFiles: true, caseSensitiveMatch: false });
      found.sort().forEach(add);
      if (found.length === 0) unmatched.push(input);
    } else {
      unmatched.push(input);
    }
  }
  return { files, unmatched };
}
