import { renameSync, writeFileSync } from 'node:fs';

/** Write a file so that readers see the old content or the new, never a half-written one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
