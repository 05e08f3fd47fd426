// Files under a folder, keyed by their path relative to it with `/` separators.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Every file's relative path, sorted. */
export function pathsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every file with its bytes. */
export function filesUnder(dir: string): Map<string, Buffer> {
  return new Map(pathsUnder(dir).map((path) => [path, readFileSync(join(dir, path))]));
}

/** What a sync publishes: every file but internal ones (any part of the path starting with a dot). */
export function publishableFiles(dir: string): Map<string, Buffer> {
  return new Map([...filesUnder(dir)].filter(([path]) => !path.split('/').some((part) => part.startsWith('.'))));
}
