// The page's tiler: a pool of tiling workers (one image each at a time) sharing encoder
// workers, the same arrangement as the agent's worker threads. Cancel stops the image's worker
// at once; its half-written pack is removed and a fresh worker takes its place.

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

export interface BrowserTileRequest {
  file: File;
  id: string;
  options: TileOptions;
  metadata: ImageMetadata;
}

interface Slot {
  worker: Worker;
  api: Comlink.Remote<TileWorkerApi>;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class BrowserTiler {
  private readonly encoders: Worker[];
  private readonly slots = new IdleQueue<Slot>();
  private readonly busyPacks = new Set<string>();
  /** Orphan packs of earlier sessions are removed before anything new is written. */
  private readonly cleaned: Promise<unknown>;
  private readonly started: Promise<unknown>[] = [];
  private readonly recycleAboveBytes: number;
  private recycled = 0;

  /** `recycleAboveBytes`: see releaseAfterImage. */
  constructor(opts: { workers?: number; encoders?: number; recycleAboveBytes?: number } = {}) {
    this.recycleAboveBytes = opts.recycleAboveBytes ?? RECYCLE_WASM_ABOVE_BYTES;
    const cores = navigator.hardwareConcurrency || 2;
    const encoderCount = opts.encoders ?? Math.max(1, cores - 1);
    this.encoders = Array.from({ length: encoderCount }, () => {
      const worker = new Worker(new URL('./encoder-worker.ts', import.meta.url), { type: 'module' });
      this.started.push(
        new Promise<void>((resolve) => {
          const onMessage = (e: MessageEvent<{ type?: string }>) => {
            if (e.data?.type !== 'ready') return;
            worker.removeEventListener('message', onMessage);
            resolve();
          };
          worker.addEventListener('message', onMessage);
        }),
      );
      return worker;
    });
    this.cleaned = removeOrphanPacks(new Set()).catch(() => undefined);
    for (let i = 0; i < (opts.workers ?? 1); i++) this.release(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./tile-worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<TileWorkerApi>(worker);
    const ports = this.encoders.map((encoder) => {
      const { port1, port2 } = new MessageChannel();
      encoder.postMessage({ type: 'connect', port: port2 }, [port2]);
      return port1;
    });
    this.started.push(api.connect(Comlink.transfer(ports, ports)));
    return { worker, api };
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

  /**
   * Back to the queue after an image, or, when the worker's wasm memory has grown past
   * `recycleAboveBytes`, replaced by a fresh one: see RECYCLE_WASM_ABOVE_BYTES.
   */
  private async releaseAfterImage(slot: Slot): Promise<void> {
    const grown = await slot.api.wasmBytes().catch(() => 0);
    if (grown <= this.recycleAboveBytes) return this.release(slot);
    this.recycled++;
    slot.worker.terminate();
    this.release(this.spawn());
  }

  private acquire(): Promise<Slot> {
    return this.slots.acquire();
  }

  /** What the browser cannot do with this file (a message naming the limit), or undefined. */
  async preflight(file: File, options: TileOptions): Promise<string | undefined> {
    const slot = await this.acquire();
    try {
      return await slot.api.preflight(file, options);
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
      const result = await Promise.race([
        slot.api.tile({ ...req, pack }, Comlink.proxy(onProgress)),
        cancel,
      ]);
      await this.releaseAfterImage(slot);
      return result;
    } catch (err) {
      if (cancelled) {
        // Stop the decode at once; the worker's pack handle dies with it.
        slot.worker.terminate();
        this.release(this.spawn());
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
      const bytes = await slot.api.sample(width, height);
      return new File([bytes as BlobPart], 'tessella-sample.jpg', { type: 'image/jpeg', lastModified: 0 });
    } finally {
      this.release(slot);
    }
  }

  dispose(): void {
    for (const s of this.slots.idleItems) s.worker.terminate();
    for (const e of this.encoders) e.terminate();
  }
}

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
