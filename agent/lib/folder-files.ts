// Files written under one folder, synchronously, making each folder once: every tile has folders
// of its own (region/size/rotation), so remembering the ones made saves a mkdir per level.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class FolderFiles {
  private readonly dirs = new Set<string>();

  /** `root` must exist. */
  constructor(readonly root: string) {}

  write(path: string, bytes: Uint8Array): void {
    const file = join(this.root, path);
    this.makeDir(dirname(file));
    writeFileSync(file, bytes);
  }

  private makeDir(dir: string): void {
    if (this.dirs.has(dir)) return;
    const parent = dirname(dir);
    if (parent !== dir && !this.dirs.has(parent)) {
      if (parent.length <= this.root.length) this.dirs.add(parent);
      else this.makeDir(parent);
    }
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    this.dirs.add(dir);
  }
}
