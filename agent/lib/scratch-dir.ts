// A temporary folder of a tiling pool for libvips' temporary files (decodeWhole writes a big
// EXIF-rotated image there, 2.7 GB for a 0.9 Gpx one). libvips deletes such a file when the image
// is closed, which never happens in a process that is killed: the folder makes what is left
// findable. It is removed when the pool closes, at exit, on Ctrl-C or SIGTERM, and after a
// `kill -9` or a crash by the next run on this machine (its process is gone by then).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning } from './running-process.ts';

const PREFIX = 'tessella-';

/**
 * Folder names of this machine (a TMPDIR shared between machines holds others' folders too),
 * then the process id and a random part: each pool of a process has its own.
 */
const namePrefix = (): string => `${PREFIX}${hostname()}-`;

/** Remove the folders under `root` left by processes of this machine that are no longer running. */
export function sweepScratchDirs(root: string = tmpdir()): string[] {
  const prefix = namePrefix();
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isRunning(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The signals a user stops a run with; the folder goes before the process does. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class ScratchDir {
  readonly path: string;
  private removed = false;
  private readonly onExit = (): void => this.remove();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.remove();
    // Then stop as the signal would have without a handler (exit status 128 + its number).
    process.kill(process.pid, signal);
  };

  /**
   * A fresh folder under `root`, after removing those left by stopped processes. Where none can
   * be made (a read-only `root`), `root` itself: most runs never need a temporary file, and one
   * that does fails with libvips' own message, as it would have without this folder.
   */
  constructor(root: string = tmpdir()) {
    try {
      sweepScratchDirs(root);
      this.path = mkdtempSync(join(root, `${namePrefix()}${process.pid}-`));
    } catch {
      this.path = root;
      this.removed = true;
      return;
    }
    process.once('exit', this.onExit);
    for (const signal of STOP_SIGNALS) process.once(signal, this.onSignal);
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    process.off('exit', this.onExit);
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
    rmSync(this.path, { recursive: true, force: true });
  }
}
