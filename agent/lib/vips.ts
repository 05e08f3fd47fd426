// wasm-vips for Node: one instance per thread, no side modules, no operation cache
// (the cache only holds on to memory when every pixel is read once).
// wasmMemoryOf and encodingVips (shared/vips/wasm-memory.ts) work on the instances made here.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import Vips from 'wasm-vips';
import type { Vips as VipsModule, VipsImage } from '../../shared/vips/types.ts';
import { loadCapturingMemory } from '../../shared/vips/wasm-memory.ts';
import { windowedSource } from '../../shared/vips/windowed-source.ts';
import { THREAD_RESOURCE_LIMITS, libvipsThreadScript } from './entry-points.ts';
import { useWasmTieringBudget } from './wasm-tiering.ts';

/**
 * Start `count` of libvips' thread workers now, all at once, for the instance about to be made
 * in this thread. emscripten starts a Node worker for each new thread only when libvips first
 * asks for it, and each loads wasm-vips' glue (~0.15 s of CPU) while libvips waits for it, one
 * after the other. Started here, they load in parallel, during the instance's own start-up.
 * The glue makes its workers with `new Worker(...)` on the global at the time it needs one:
 * `install` has it take these first.
 */
function prestartThreadWorkers(count: number): { install(): void } {
  // The glue, minus the JavaScript API that libvips' threads never call (libvips-thread.js).
  const script = libvipsThreadScript();
  const ready = Array.from({ length: count }, () => {
    const worker = new Worker(script, { workerData: 'em-pthread', name: 'em-pthread', resourceLimits: THREAD_RESOURCE_LIMITS });
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
 * libvips' threads at `concurrency` N: N to compute and two writing behind, as one pipeline
 * (a save, or a strip read into memory) takes. At most 6: on a many-core machine a pipeline
 * computes with 4 of them.
 */
const threadsFor = (concurrency: number): number => Math.min(concurrency + 2, 6);

/**
 * A wasm-vips instance for this thread, from `compiled` when given (see compile-vips.ts).
 *
 * With `concurrency`, libvips gets a fixed set of threads (VIPS_MAX_THREADS), their workers
 * started at once (see prestartThreadWorkers). Left to itself, libvips starts a thread whenever
 * none is waiting at the moment it asks, and one that has just finished is not yet waiting: over
 * a run of back-to-back pipelines it started 1-2 threads more per instance, each a Node worker
 * (~80 ms of CPU, and the pipeline waits while it loads). On the 100 Mpx image the fixed set
 * took 0.5-0.7 s of CPU off. The set is just big enough for one pipeline: a second one started
 * inside one of its threads would wait for a free thread forever. libvips does that when a file
 * opened for random access is first read (it decodes it whole then, inside the reading
 * pipeline), so instances with a fixed set must not open files for random access: see decodeWhole.
 * Without `concurrency`: libvips' defaults, threads started as it needs them.
 * `tmpDir`: where libvips' temporary files go (see decodeWhole and scratch-dir.ts).
 * `compiled`: the module to instantiate, or a promise of it (undefined: the glue compiles its own).
 */
export async function loadVips(
  options: { compiled?: WebAssembly.Module | Promise<WebAssembly.Module | undefined>; concurrency?: number; tmpDir?: string } = {},
): Promise<VipsModule> {
  useWasmTieringBudget();
  const { concurrency, tmpDir = tmpdir() } = options;
  const threads = concurrency === undefined ? undefined : threadsFor(concurrency);
  const prestarted = threads === undefined ? undefined : prestartThreadWorkers(threads);
  // The thread workers boot while the module may still be compiling (TilePool sends it later).
  const compiled = await options.compiled;
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
      preRun: [
        (module: { ENV: Record<string, string> }) => {
          // libvips warnings (e.g. about odd but readable files) are not for the terminal; errors
          // still reach us as exceptions. NODERAWFS writes straight to fd 2, so silence them at the source.
          module.ENV.VIPS_WARNING = '0';
          // Temporary files (decodeWhole) in `tmpDir`: by default where the user's go, not always /tmp.
          module.ENV.TMPDIR = tmpDir;
          if (threads !== undefined) module.ENV.VIPS_MAX_THREADS = String(threads);
          // After the glue has set up its Worker global, before libvips starts its threads.
          prestarted?.install();
        },
      ],
      printErr: () => undefined,
      print: () => undefined,
    } as Parameters<typeof Vips>[0]);
    return Promise.race([loading, failure]);
  });
  vips.Cache.max(0);
  if (concurrency !== undefined) vips.concurrency(concurrency);
  return vips;
}

/** Decoded images bigger than this go to a temporary file, not wasm memory (libvips' own threshold). */
const DECODE_IN_MEMORY_MAX_BYTES = 100 * 2 ** 20;

const BYTES_PER_SAMPLE: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, complex: 8, double: 8, dpcomplex: 16 };

/**
 * `image`, opened for sequential access, decoded whole into memory (a temporary file when big)
 * so that it can be read out of order (EXIF rotation); `image` is deleted. This is what libvips
 * does for a file opened for random access, but run here, as a pipeline of its own, rather than
 * inside the first pipeline that reads the image (see loadVips). Decoding errors throw here.
 */
export function decodeWhole(vips: VipsModule, image: VipsImage): VipsImage {
  try {
    const bytes = image.width * image.height * image.bands * (BYTES_PER_SAMPLE[image.format] ?? 16);
    const whole = bytes > DECODE_IN_MEMORY_MAX_BYTES ? vips.Image.newTempFile('%s.v') : vips.Image.newMemory();
    try {
      // `write` hands back a new reference to `whole`: drop it at once.
      image.write(whole).delete();
    } catch (err) {
      whole.delete();
      throw err;
    }
    return whole;
  } finally {
    image.delete();
  }
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
