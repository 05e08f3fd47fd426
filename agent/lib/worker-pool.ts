// A pool of tiling worker threads. A worker that dies (wasm out of memory, abort) fails only
// the image it was working on and is replaced.

import { Worker } from 'node:worker_threads';
import type { TileJob, TileJobSummary } from './tile-job.ts';
import type { TileWorkerData, WorkerReply } from './tile-worker.ts';

const BOOT = new URL('./boot-worker.js', import.meta.url);
const ENTRY = new URL('./tile-worker.ts', import.meta.url).href;

export interface Progress {
  files: number;
  totalFiles: number;
  bytes: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
}

export class TilePool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private readonly all = new Set<Slot>();

  /** `size` images at once, each decoded in its own worker with `encoders` encoder threads. */
  constructor(
    private readonly size: number,
    private readonly encoders: number,
  ) {
    for (let i = 0; i < size; i++) this.release(this.spawn());
  }

  private spawn(): Slot {
    const data: TileWorkerData = { entry: ENTRY, encoders: this.encoders };
    const worker = new Worker(BOOT, { workerData: data, stdout: false, stderr: false });
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { type: string }): void => {
        if (m.type === 'ready') {
          worker.off('message', onMsg);
          resolve();
        }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
    ready.catch(() => undefined);
    const slot = { worker, ready };
    this.all.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  private acquire(): Promise<Slot> {
    const slot = this.idle.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async run(job: TileJob, onProgress: (p: Progress) => void): Promise<TileJobSummary> {
    const slot = await this.acquire();
    let crashed = false;
    try {
      await slot.ready.catch((err: Error) => {
        crashed = true;
        throw new Error(`the tiling worker did not start: ${err.message}`);
      });
      const result = await new Promise<TileJobSummary>((resolve, reject) => {
        const onMessage = (m: WorkerReply): void => {
          if (m.id !== job.id) return;
          if (m.type === 'progress') onProgress(m);
          else {
            cleanup();
            if (m.type === 'done') resolve(m.result);
            else reject(new Error(m.error));
          }
        };
        const onExit = (code: number): void => {
          crashed = true;
          cleanup();
          reject(new Error(`the tiling worker stopped (exit code ${code}); the image may be too large for wasm memory`));
        };
        const onError = (err: Error): void => {
          crashed = true;
          cleanup();
          reject(new Error(`the tiling worker failed: ${err.message}`));
        };
        const cleanup = (): void => {
          slot.worker.off('message', onMessage);
          slot.worker.off('exit', onExit);
          slot.worker.off('error', onError);
        };
        slot.worker.on('message', onMessage);
        slot.worker.on('exit', onExit);
        slot.worker.on('error', onError);
        slot.worker.postMessage({ type: 'tile', job });
      });
      this.release(slot);
      return result;
    } catch (err) {
      if (crashed) {
        this.all.delete(slot);
        await slot.worker.terminate().catch(() => undefined);
        this.release(this.spawn());
      } else {
        this.release(slot);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((s) => s.worker.terminate()));
    this.all.clear();
  }
}
