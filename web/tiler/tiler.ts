// The page's tiler: a pool of tiling workers (one image each at a time) sharing encoder
// workers, the same arrangement as the agent's worker threads. Cancel stops the image's worker
// at once; its half-written pack is removed and a fresh worker takes its place.
//
// A worker that reports an uncaught error is treated as dead, as a Node worker thread is (the
// agent's pool replaces those): its wasm-vips may have aborted, and an aborted instance fails
// or hangs on every later call. A failed tiling worker fails only its image and is replaced; a
// failed encoder fails the images in progress (their strips would never come back), and the
// encoders and tiling workers are all started afresh.

import * as Comlink from 'comlink';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import type { TileProgress } from '../../shared/tile-image.ts';
import { IdleQueue } from '../../shared/idle-queue.ts';
import { RECYCLE_WASM_ABOVE_BYTES } from '../../shared/vips/wasm-memory.ts';
import { packDirectory } from '../storage/db.ts';
import { removeOrphanPacks } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';
import type { TileWorkerApi } from './tile-worker.ts';
import { WASM_FAILURE } from '../../shared/vips/errors.ts';

export interface BrowserTileRequest {
  file: File;
  id: string;
  options: TileOptions;
  metadata: ImageMetadata;
}

interface Slot {
  worker: Worker;
  api: Comlink.Remote<TileWorkerApi>;
  /** Set once the worker has failed (or its encoders have): never used again. */
  failure?: Error;
  /** Rejects when it fails: calls on the worker race it. */
  dead: Promise<never>;
  kill(err: Error): void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class BrowserTiler {
  private encoders: Worker[] = [];
  private readonly encoderCount: number;
  /** Every tiling worker's slot, idle or busy. */
  private readonly all = new Set<Slot>();
  private readonly slots = new IdleQueue<Slot>();
  private readonly busyPacks = new Set<string>();
  /** Orphan packs of earlier sessions are removed before anything new is written. */
  private readonly cleaned: Promise<unknown>;
  private readonly started: Promise<unknown>[] = [];
  private readonly recycleAboveBytes: number;
  private recycled = 0;
  private replacedAfterFailure = 0;
  private disposed = false;
  /** Encoder failures since one last became ready: past MAX_ENCODER_RESTARTS they are not restarted. */
  private encoderFailuresInARow = 0;
  /** Set when the encoders cannot be started: every call fails with it. */
  private broken: Error | undefined;

  /** `recycleAboveBytes`: see releaseAfterImage. */
  constructor(opts: { workers?: number; encoders?: number; recycleAboveBytes?: number } = {}) {
    this.recycleAboveBytes = opts.recycleAboveBytes ?? RECYCLE_WASM_ABOVE_BYTES;
    const cores = navigator.hardwareConcurrency || 2;
    this.encoderCount = opts.encoders ?? Math.max(1, cores - 1);
    this.startEncoders();
    this.cleaned = removeOrphanPacks(new Set()).catch(() => undefined);
    for (let i = 0; i < (opts.workers ?? 1); i++) this.release(this.spawn());
  }

  private startEncoders(): void {
    this.encoders = Array.from({ length: this.encoderCount }, () => {
      const worker = new Worker(new URL('./encoder-worker.ts', import.meta.url), { type: 'module' });
      this.started.push(
        new Promise<void>((resolve) => {
          const onMessage = (e: MessageEvent<{ type?: string }>) => {
            if (e.data?.type !== 'ready') return;
            worker.removeEventListener('message', onMessage);
            this.encoderFailuresInARow = 0;
            resolve();
          };
          worker.addEventListener('message', onMessage);
          // One that fails while starting is replaced (encoderFailed), and must not hold ready() up.
          worker.addEventListener('error', () => resolve());
        }),
      );
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        this.encoderFailed(worker, e);
      });
      return worker;
    });
  }

  /** An encoder failed: all are replaced, and every tiling worker (each holds a port to it) with them. */
  private encoderFailed(worker: Worker, e: ErrorEvent): void {
    if (this.disposed || !this.encoders.includes(worker)) return;
    for (const encoder of this.encoders) encoder.terminate();
    // Encoders that fail again and again before they are ready (no memory for their wasm, say)
    // are not restarted for ever: the tiler stops, saying why.
    if (++this.encoderFailuresInARow > MAX_ENCODER_RESTARTS) {
      this.broken = new Error(`the encoder workers cannot start (${describeErrorEvent(e)}); reload the page to try again`);
      this.encoders = [];
    } else {
      this.startEncoders();
    }
    const why = this.broken ?? new Error(`an encoder worker failed (${describeErrorEvent(e)}); the images in progress are stopped and the workers restarted`);
    for (const slot of this.all) this.fail(slot, why);
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./tile-worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<TileWorkerApi>(worker);
    const ports = this.encoders.map((encoder) => {
      const { port1, port2 } = new MessageChannel();
      encoder.postMessage({ type: 'connect', port: port2 }, [port2]);
      return port1;
    });
    let kill: (err: Error) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => (kill = reject));
    dead.catch(() => undefined);
    const slot: Slot = { worker, api, dead, kill };
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      this.fail(slot, new Error(`the tiling worker failed (${describeErrorEvent(e)}); it has been replaced`));
    });
    // A worker that fails while starting must not hold ready() up for ever.
    this.started.push(Promise.race([api.connect(Comlink.transfer(ports, ports)), dead]).catch(() => undefined));
    this.all.add(slot);
    return slot;
  }

  /** Mark a tiling worker dead: the call in progress on it (if any) rejects with `err`. */
  private fail(slot: Slot, err: Error): void {
    if (slot.failure) return;
    slot.failure = err;
    this.retire(slot);
    slot.kill(err);
  }

  /** Stop a tiling worker and forget it: it is never used again. */
  private retire(slot: Slot): void {
    slot.worker.terminate();
    this.all.delete(slot);
  }

  /** `call` on the slot's worker, rejected at once if the worker fails meanwhile. */
  private call<T>(slot: Slot, call: (api: Comlink.Remote<TileWorkerApi>) => Promise<T>): Promise<T> {
    return Promise.race([call(slot.api), slot.dead]);
  }

  /** Resolves once every worker has its libvips loaded and warmed up. */
  async ready(): Promise<void> {
    await Promise.all(this.started);
  }

  private release(slot: Slot): void {
    this.slots.release(slot);
  }

  /** How many tiling workers were replaced because their memory had grown. */
  get recycledWorkers(): number {
    return this.recycled;
  }

  /** How many tiling workers were replaced because they (or the encoders) failed. */
  get failedWorkers(): number {
    return this.replacedAfterFailure;
  }

  /**
   * Back to the queue after an image, or, when the worker's wasm memory has grown past
   * `recycleAboveBytes`, replaced by a fresh one: see RECYCLE_WASM_ABOVE_BYTES.
   */
  private async releaseAfterImage(slot: Slot): Promise<void> {
    const grown = await this.call(slot, (api) => api.wasmBytes()).catch(() => 0);
    if (slot.failure || grown <= this.recycleAboveBytes) return this.release(slot);
    this.recycled++;
    this.retire(slot);
    this.release(this.spawn());
  }

  /** An idle tiling worker; one that failed while idle (or busy) is replaced here. */
  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.broken) throw this.broken;
      const slot = await this.slots.acquire();
      if (!slot.failure) return slot;
      if (this.broken) {
        this.release(slot);
        throw this.broken;
      }
      this.replacedAfterFailure++;
      this.release(this.spawn());
    }
  }

  /** What the browser cannot do with this file (a message naming the limit), or undefined. */
  async preflight(file: File, options: TileOptions): Promise<string | undefined> {
    const slot = await this.acquire();
    try {
      return await this.call(slot, (api) => api.preflight(file, options));
    } finally {
      this.release(slot);
    }
  }

  async tile(req: BrowserTileRequest, onProgress: (p: TileProgress) => void, signal?: AbortSignal): Promise<StoredImage> {
    await this.cleaned;
    if (signal?.aborted) throw new CancelledError();
    const slot = await this.acquire();
    if (signal?.aborted) {
      this.release(slot);
      throw new CancelledError();
    }
    const pack = `${req.id}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.pack`;
    this.busyPacks.add(pack);
    let cancelled = false;
    const cancel = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => {
        cancelled = true;
        reject(new CancelledError());
      });
    });
    try {
      const result = await Promise.race([this.call(slot, (api) => api.tile({ ...req, pack }, Comlink.proxy(onProgress))), cancel]);
      await this.releaseAfterImage(slot);
      return result;
    } catch (err) {
      // wasm-vips trapped or aborted in the worker: its instance may be unusable.
      if ((err as Error).name === WASM_FAILURE) this.fail(slot, err as Error);
      if (cancelled) {
        // Stop the decode at once; the worker's pack handle dies with it.
        this.retire(slot);
        this.release(this.spawn());
        await removePack(pack);
      } else if (slot.failure) {
        // Its worker is gone: back to the queue, where acquire() replaces it; the pack is half-written.
        this.release(slot);
        await removePack(pack);
      } else {
        await this.releaseAfterImage(slot);
      }
      throw err instanceof Error ? err : new Error(String(err));
    } finally {
      this.busyPacks.delete(pack);
    }
  }

  /** The built-in sample image, made with libvips in a worker, as a JPEG file. */
  async makeSample(width = 6000, height = 4000): Promise<File> {
    const slot = await this.acquire();
    try {
      const bytes = await this.call(slot, (api) => api.sample(width, height));
      return new File([bytes as BlobPart], 'tessella-sample.jpg', { type: 'image/jpeg', lastModified: 0 });
    } finally {
      this.release(slot);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.all) s.worker.terminate();
    for (const e of this.encoders) e.terminate();
  }
}

/** Encoder failures in a row (none becoming ready in between) after which they are not restarted. */
const MAX_ENCODER_RESTARTS = 3;

const describeErrorEvent = (e: ErrorEvent): string => e.message || 'an uncaught error';

async function removePack(name: string): Promise<void> {
  const dir = await packDirectory();
  // The terminated worker's access handle is released asynchronously: try a few times.
  for (let i = 0; i < 20; i++) {
    try {
      await dir.removeEntry(name);
      return;
    } catch (err) {
      if ((err as DOMException).name === 'NotFoundError') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
