// wasm-vips for Node: one instance per thread, no side modules, no operation cache
// (the cache only holds on to memory when every pixel is read once).
// wasmMemoryOf and encodingVips (shared/vips/wasm-memory.ts) work on the instances made here.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Vips from 'wasm-vips';
import type { Vips as VipsModule, VipsImage } from '../../shared/vips/types.ts';
import { loadCapturingMemory } from '../../shared/vips/wasm-memory.ts';
import { windowedSource } from '../../shared/vips/windowed-source.ts';

/**
 * Start `count` of libvips' thread workers now, all at once, for the instance about to be made
 * in this thread. emscripten starts a Node worker for each new thread only when libvips first
 * asks for it, and each loads wasm-vips' glue (~0.15 s of CPU) while libvips waits for it, one
 * after the other. Started here, they load in parallel, during the instance's own start-up.
 * The glue makes its workers with `new Worker(...)` on the global at the time it needs one:
 * `install` has it take these first.
 */
function prestartThreadWorkers(count: number): { install(): void } {
  const script = new URL(import.meta.resolve('wasm-vips'));
  const ready = Array.from({ length: count }, () => {
    const worker = new Worker(script, { workerData: 'em-pthread', name: 'em-pthread' });
    worker.unref();
    return worker;
  });
  return {
    install() {
      const Real = globalThis.Worker as unknown as typeof Worker;
      (globalThis as { Worker: unknown }).Worker = function PrestartedWorker(url: URL, options: object) {
        return ready.shift() ?? new Real(url, options);
      };
    },
  };
}

/**
 * Thread workers to start for libvips at `concurrency` N: N to compute, one writing behind, one
 * more. At most 6: on a many-core machine libvips starts the rest as it needs them, as before.
 */
const threadsFor = (concurrency: number): number => Math.min(concurrency + 2, 6);

/**
 * A wasm-vips instance for this thread, from `compiled` when given (see compile-vips.ts). With
 * `concurrency`, libvips runs that many threads, and their workers are started at once (see
 * prestartThreadWorkers); without, libvips' default, its threads started as it needs them.
 */
export async function loadVips(compiled?: WebAssembly.Module, concurrency?: number): Promise<VipsModule> {
  const prestarted = concurrency === undefined ? undefined : prestartThreadWorkers(threadsFor(concurrency));
  let failed: (err: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const instantiateWasm = compiled
    ? (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), failed);
        return {};
      }
    : undefined;
  const vips = await loadCapturingMemory(async () => {
    const loading = Vips({
      dynamicLibraries: [],
      ...(instantiateWasm ? { instantiateWasm } : {}),
      // libvips warnings (e.g. about odd but readable files) are not for the terminal; errors
      // still reach us as exceptions. NODERAWFS writes straight to fd 2, so silence them at the source.
      preRun: [(module: { ENV: Record<string, string> }) => void (module.ENV.VIPS_WARNING = '0')],
      printErr: () => undefined,
      print: () => undefined,
    } as Parameters<typeof Vips>[0]);
    return Promise.race([loading, failure]);
  });
  prestarted?.install();
  vips.Cache.max(0);
  if (concurrency !== undefined) vips.concurrency(concurrency);
  return vips;
}

/** Bytes read from the file at once: libvips asks for a few KB per read. */
const READ_WINDOW = 2 ** 20;

/**
 * An image file opened through custom sources rather than by name. libvips maps a file it
 * opens by name, and in wasm a map is a copy of the whole file in wasm memory (164 MB for a
 * 0.9 Gpx JPEG, held for the whole run); a custom source is read as the decoder goes.
 * Close it once every image opened from it has been deleted.
 */
export class ImageFile {
  private readonly fd: number;
  private readonly size: number;
  private readonly sources: Array<{ delete(): void; isDeleted(): boolean }> = [];

  constructor(
    private readonly vips: VipsModule,
    path: string,
  ) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** A new image reading the file from the start (each has its own position). */
  open(options: { access: 'sequential' | 'random'; fail_on?: 'none' | 'truncated' | 'error' | 'warning' }): VipsImage {
    const { fd } = this;
    const readAt = (position: number, length: number) => {
      const bytes = new Uint8Array(length);
      return bytes.subarray(0, readSync(fd, bytes, 0, length, position));
    };
    const source = windowedSource(this.vips, this.size, readAt, READ_WINDOW);
    this.sources.push(source);
    return this.vips.Image.newFromSource(source, '', options);
  }

  close(): void {
    for (const source of this.sources.splice(0)) if (!source.isDeleted()) source.delete();
    closeSync(this.fd);
  }
}
