// A tiling worker thread: decodes one image at a time with its own wasm-vips instance and
// hands strips to the pool's encoder threads (or encodes them itself when there are none).

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PoolEncoder } from '../../shared/encode-pool/pool-encoder.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import { localEncoder } from '../../shared/tile-image.ts';
import { FileWriterPort } from './file-writer.ts';
import { type TileJob, runTileJob } from './tile-job.ts';
import { isWasmFailure } from '../../shared/vips/errors.ts';
import { warmUp } from '../../shared/vips/warm-up.ts';
import { encodingVips, wasmMemoryOf } from '../../shared/vips/wasm-memory.ts';
import { loadVips } from './vips.ts';

export type WorkerRequest = { type: 'wasm'; wasm?: WebAssembly.Module } | { type: 'tile'; job: TileJob };
/**
 * `wasmBytes`: the size of this worker's wasm memory after the image (TilePool replaces big ones).
 * `broken`: the image failed with a trap or abort of wasm-vips (isWasmFailure): TilePool
 * replaces this worker, whose instance may be unusable.
 */
export type WorkerReply =
  | { type: 'progress'; id: string; files: number; totalFiles: number; bytes: number }
  | { type: 'done'; id: string; result: Awaited<ReturnType<typeof runTileJob>>; wasmBytes: number }
  | { type: 'failed'; id: string; error: string; wasmBytes: number; broken: boolean };

export interface TileWorkerData {
  /** Ports to the pool's encoder threads; none: this worker encodes its own tiles. */
  encoderPorts: MessagePort[];
  /** The pool's folder for libvips' temporary files (scratch-dir.ts). */
  tmpDir: string;
  /** libvips' computing threads for this worker (see TilePool). */
  concurrency: number;
  /** Where the tile files go to be written: the pool's main thread (file-writer.ts). */
  writerPort: MessagePort;
}

const port = parentPort!;
const { encoderPorts, tmpDir, concurrency, writerPort } = workerData as TileWorkerData;
// The pool's first message: libvips compiled once for all threads (see compile-vips.ts), or none.
const wasm = new Promise<WebAssembly.Module | undefined>((resolve) =>
  port.once('message', (msg: WorkerRequest) => resolve(msg.type === 'wasm' ? msg.wasm : undefined)),
);
const vips = await loadVips({ compiled: wasm, concurrency, tmpDir });
warmUp(vips);
// Requests queue in the ports until each encoder has its wasm-vips ready. This thread also
// encodes strips itself whenever every encoder has its budget of work waiting.
const local = localEncoder(encodingVips(vips));
const encoder = encoderPorts.length > 0 ? new PoolEncoder(encoderPorts as unknown as PortLike[], local) : local;
// Files are written by the pool's main thread, so this one goes on decoding and encoding.
const files = new FileWriterPort(writerPort);
const memory = wasmMemoryOf(vips);
const wasmBytes = (): number => memory?.buffer.byteLength ?? 0;

port.on('message', async (msg: WorkerRequest) => {
  if (msg.type !== 'tile') return;
  const { job } = msg;
  let last = 0;
  try {
    const result = await runTileJob(vips, job, {
      onProgress: (p) => {
        const now = Date.now();
        if (now - last > 100 || p.files === p.totalFiles) {
          last = now;
          port.postMessage({ type: 'progress', id: job.id, ...p } satisfies WorkerReply);
        }
      },
      encoder,
      files,
    });
    port.postMessage({ type: 'done', id: job.id, result, wasmBytes: wasmBytes() } satisfies WorkerReply);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    port.postMessage({ type: 'failed', id: job.id, error, wasmBytes: wasmBytes(), broken: isWasmFailure(err) } satisfies WorkerReply);
  }
});
port.postMessage({ type: 'ready' });
