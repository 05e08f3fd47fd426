// A folder of images, each published atomically: written aside under .tessella-staging,
// then moved into place with one rename when complete.

import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageSink, ImageStamp, ImageWriter } from '../../shared/sink.ts';
import { STAMP_FILE } from '../../shared/sink.ts';
import { FolderFiles } from './folder-files.ts';
import type { FileWriterPort } from './file-writer.ts';
import { isRunning } from './running-process.ts';

export const STAGING_DIR = '.tessella-staging';

export class FolderSink implements ImageSink {
  /** `writer`: write the files through it (another thread); without one they are written in place. */
  constructor(
    readonly root: string,
    private readonly writer?: FileWriterPort,
  ) {}

  /** Remove what killed runs left behind (staging folders of processes that no longer run). */
  cleanStaging(): void {
    const staging = join(this.root, STAGING_DIR);
    if (!existsSync(staging)) return;
    for (const name of readdirSync(staging)) {
      const pid = Number(name.split('.').at(-2));
      if (!Number.isInteger(pid) || !isRunning(pid) || pid === process.pid) rmSync(join(staging, name), { recursive: true, force: true });
    }
  }

  /** The stamp of a complete image, or undefined. */
  readStamp(id: string): ImageStamp | undefined {
    try {
      return JSON.parse(readFileSync(join(this.root, id, STAMP_FILE), 'utf8')) as ImageStamp;
    } catch {
      return undefined;
    }
  }

  async begin(id: string): Promise<ImageWriter> {
    const staging = join(this.root, STAGING_DIR, `${id}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(staging, { recursive: true });
    return new FolderImageWriter(staging, join(this.root, id), this.writer);
  }
}

class FolderImageWriter implements ImageWriter {
  private readonly files: FolderFiles;

  constructor(
    private readonly staging: string,
    private readonly target: string,
    private readonly writer?: FileWriterPort,
  ) {
    this.files = new FolderFiles(staging);
  }

  put(path: string, bytes: Uint8Array): Promise<void> | void {
    if (this.writer) return this.writer.write(this.staging, path, bytes);
    this.files.write(path, bytes);
  }

  /** Called once every put has settled. */
  async commit(): Promise<void> {
    this.writer?.forget(this.staging);
    if (existsSync(this.target)) {
      // Replacing a finished image: move the old one aside first, so that the target is
      // always either the old complete image or the new complete one (or briefly absent).
      const old = `${this.staging}.old`;
      renameSync(this.target, old);
      renameSync(this.staging, this.target);
      rmSync(old, { recursive: true, force: true });
    } else {
      mkdirSync(dirname(this.target), { recursive: true });
      renameSync(this.staging, this.target);
    }
  }

  async abort(): Promise<void> {
    this.writer?.forget(this.staging);
    rmSync(this.staging, { recursive: true, force: true });
  }
}
