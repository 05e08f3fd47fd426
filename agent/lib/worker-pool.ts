// A pool of tiling worker threads (one image each at a time) sharing a set of encoder threads,
// all started at once. A tiling worker that dies (wasm out of memory, abort) fails only the
// image it was working on and is replaced; an encoder that dies takes every tiling worker down
// with it (their strips would never come back), and all are started afresh.

import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { TileJob, TileJobSummary } from './tile-job.ts';
import { IdleQueue } from '../../shared/idle-queue.ts';
import { RECYCLE_WASM_ABOVE_BYTES } from '../../shared/vips/wasm-memory.ts';
import { workerEntry } from './entry-points.ts';
import { ScratchDir } from './scratch-dir.ts';
import { serveFileWrites } from './file-writer.ts';
import type { EncoderWorkerRequest } from './encoder-worker.ts';
import type { TileWorkerData, WorkerReply, WorkerRequest } from './tile-worker.ts';


export interface Progress {
  files: number;
  totalFiles: number;
  bytes: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Its worker has stopped or is being stopped: the slot is replaced when next taken. */
  retired: boolean;
}

/**
 * libvips' computing threads for each of `images` tiled at once by workers that encode their own
 * tiles: a share of the cores. More only oversubscribe them, and each is a Node worker to start
 * (~75 ms of CPU). One image alone gets every core: converting CMYK or 16-bit pixels runs in
 * parallel (a 20 Mpx CMYK JPEG: 3.3-3.6 s with 2 threads, 3.8-3.9 s with 1).
 */
export const threadsPerImage = (cores: number, images: number): number => Math.max(1, Math.floor(cores / images));

export class TilePool {
  private readonly slots = new IdleQueue<Slot>();
  private readonly all = new Set<Slot>();
  private encoders: Worker[] = [];
  private closing = false;
  /** libvips' computing threads per tiling worker. */
  private readonly concurrency: number;
  /** For libvips' temporary files: gone with the pool, even if the process is killed. */
  private readonly scratch = new ScratchDir();
  private recycled = 0;
  private replacedBroken = 0;

  /**
   * `size` images at once, each decoded in its own worker; `encoders` threads encode for all
   * (0: each encodes its own); `wasm`: libvips compiled once, for every thread (compile-vips.ts).
   * The threads start at once and get `wasm` when it is ready: they boot while it compiles.
   * `recycleAboveBytes`: see releaseAfterJob.
   */
  constructor(
    size: number,
    private readonly encoderCount: number,
    private readonly wasm?: Promise<WebAssembly.Module>,
    private readonly recycleAboveBytes = RECYCLE_WASM_ABOVE_BYTES,
  ) {
    // With encoder threads to use the other cores, one libvips thread is enough for decoding (a
    // JPEG decodes serially anyway), and each fewer thread is ~0.2 s less CPU to start.
    this.concurrency = encoderCount > 0 ? 1 : threadsPerImage(availableParallelism(), size);
    this.startEncoders();
    const slots = Array.from({ length: size }, () => this.spawn());
    // Encoders load libvips once the first tiling worker is ready: started together, they
    // split the cores and the first image starts later (about 0.4 s on 2 cores).
    const load = (): void => this.loadEncoders();
    Promise.any(slots.map((slot) => slot.ready)).then(load, load);
    for (const slot of slots) this.release(slot);
  }

  private startEncoders(): void {
    this.encoders = Array.from({ length: this.encoderCount }, () => {
      const { url, options } = workerEntry('encoder-worker');
      const worker = new Worker(url, { ...options, stdout: false, stderr: false });
      worker.once('exit', () => this.encoderDied(worker));
      worker.once('error', () => void worker.terminate());
      return worker;
    });
  }

  private loadEncoders(): void {
    // This set of encoders, not whichever set there is when the module is ready (see encoderDied).
    const encoders = this.encoders;
    void this.compiled().then((wasm) => {
      for (const worker of encoders) worker.postMessage({ type: 'load', wasm } satisfies EncoderWorkerRequest);
    });
  }

  private encoderDied(worker: Worker): void {
    if (this.closing || !this.encoders.includes(worker)) return;
    for (const e of this.encoders) if (e !== worker) void e.terminate();
    this.startEncoders();
    this.loadEncoders();
    // The tiling workers hold ports to the dead encoder: end them. The images they are tiling
    // fail; every slot gets a new worker, connected to the new encoders, when next taken.
    for (const slot of this.all) this.retire(slot);
  }

  /** One port to each encoder, for a new tiling worker. */
  private connectEncoders(): MessagePort[] {
    return this.encoders.map((encoder) => {
      const { port1, port2 } = new MessageChannel();
      encoder.postMessage({ type: 'connect', port: port2 } satisfies EncoderWorkerRequest, [port2]);
      return port1;
    });
  }

  /** The compiled module, or undefined (each thread compiles its own) when there is none or it failed. */
  private compiled(): Promise<WebAssembly.Module | undefined> {
    return this.wasm?.catch(() => undefined) ?? Promise.resolve(undefined);
  }

  private spawn(): Slot {
    const encoderPorts = this.connectEncoders();
    // This thread writes the worker's tile files (file-writer.ts).
    const files = new MessageChannel();
    serveFileWrites(files.port2);
    const writerPort = files.port1;
    const data: TileWorkerData = { encoderPorts, tmpDir: this.scratch.path, concurrency: this.concurrency, writerPort };
    const { url, options } = workerEntry('tile-worker', { ...data });
    const worker = new Worker(url, { ...options, transferList: [...encoderPorts, writerPort], stdout: false, stderr: false });
    worker.once('exit', () => files.port2.close());
    // The worker's first message: it starts libvips' threads meanwhile (see loadVips).
    void this.compiled().then((wasm) => worker.postMessage({ type: 'wasm', wasm } satisfies WorkerRequest));
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { type: string }): void => {
        if (m.type === 'ready') {
          worker.off('message', onMsg);
          resolve();
        }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`it stopped (exit code ${code})`)));
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, retired: false };
    worker.once('exit', () => (slot.retired = true));
    this.all.add(slot);
    return slot;
  }

  private retire(slot: Slot): void {
    slot.retired = true;
    void slot.worker.terminate();
  }

  private release(slot: Slot): void {
    this.slots.release(slot);
  }

  /** An idle slot with a live worker: one whose worker stopped while idle is replaced. */
  private async acquire(): Promise<Slot> {
    const slot = await this.slots.acquire();
    if (!slot.retired) return slot;
    this.all.delete(slot);
    return this.spawn();
  }

  async run(job: TileJob, onProgress: (p: Progress) => void): Promise<TileJobSummary> {
    const slot = await this.acquire();
    let crashed = false;
    let wasmBytes = 0;
    let broken = false;
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
            wasmBytes = m.wasmBytes;
            broken = m.type === 'failed' && m.broken;
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
        slot.worker.postMessage({ type: 'tile', job } satisfies WorkerRequest);
      });
      this.releaseAfterJob(slot, wasmBytes);
      return result;
    } catch (err) {
      if (crashed) {
        this.all.delete(slot);
        await slot.worker.terminate().catch(() => undefined);
        this.release(this.spawn());
      } else {
        this.releaseAfterJob(slot, wasmBytes, broken);
      }
      throw err;
    }
  }

  /** How many tiling workers were replaced because their memory had grown. */
  get recycledWorkers(): number {
    return this.recycled;
  }

  /** How many tiling workers were replaced because wasm-vips trapped or aborted in them. */
  get brokenWorkers(): number {
    return this.replacedBroken;
  }

  /**
   * Back to the queue, or replaced by a fresh worker (~0.5 s of CPU to start) when its wasm
   * memory has grown past `recycleAboveBytes` (see RECYCLE_WASM_ABOVE_BYTES) or its image failed
   * with a trap or abort of wasm-vips (`broken`).
   */
  private releaseAfterJob(slot: Slot, wasmBytes: number, broken = false): void {
    if ((!broken && wasmBytes <= this.recycleAboveBytes) || this.closing) return this.release(slot);
    if (broken) this.replacedBroken++;
    else this.recycled++;
    this.all.delete(slot);
    this.retire(slot);
    this.release(this.spawn());
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...[...this.all].map((s) => s.worker), ...this.encoders].map((w) => w.terminate()));
    this.all.clear();
    this.scratch.remove();
  }
}
