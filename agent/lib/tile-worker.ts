// A tiling worker thread: decodes one image at a time with its own wasm-vips instance and
// hands strips to its own encoder worker threads (or encodes them itself when it has none).

import { MessageChannel, Worker, parentPort, workerData } from 'node:worker_threads';
import { PoolEncoder } from '../../shared/encode-pool/pool-encoder.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import { type TileJob, runTileJob } from './tile-job.ts';
import { loadVips, warmUp } from './vips.ts';

export type WorkerRequest = { type: 'tile'; job: TileJob };
export type WorkerReply =
  | { type: 'progress'; id: string; files: number; totalFiles: number; bytes: number }
  | { type: 'done'; id: string; result: Awaited<ReturnType<typeof runTileJob>> }
  | { type: 'failed'; id: string; error: string };

export interface TileWorkerData {
  entry: string;
  /** Encoder threads of this worker; 0 encodes in this thread. */
  encoders: number;
}

const BOOT = new URL('./boot-worker.js', import.meta.url);
const ENCODER = new URL('./encoder-worker.ts', import.meta.url).href;

/** Start the encoder threads and wait until each has its wasm-vips ready. */
async function startEncoders(count: number): Promise<PoolEncoder | undefined> {
  if (count === 0) return undefined;
  const ports = await Promise.all(
    Array.from({ length: count }, async () => {
      const worker = new Worker(BOOT, { workerData: { entry: ENCODER } });
      // An encoder that dies would leave strips unanswered: end this worker too, so that the
      // pool fails the current image and starts a fresh worker with fresh encoders.
      worker.on('exit', () => process.exit(70));
      worker.on('error', () => process.exit(70));
      await new Promise<void>((resolve) => worker.once('message', () => resolve()));
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ type: 'connect', port: port2 }, [port2]);
      worker.unref();
      return port1 as unknown as PortLike;
    }),
  );
  return new PoolEncoder(ports);
}

const port = parentPort!;
const { encoders } = workerData as TileWorkerData;
const [vips, encoder] = await Promise.all([loadVips(), startEncoders(encoders)]);
warmUp(vips);

port.on('message', async (msg: WorkerRequest) => {
  const { job } = msg;
  let last = 0;
  try {
    const result = await runTileJob(
      vips,
      job,
      (p) => {
        const now = Date.now();
        if (now - last > 100 || p.files === p.totalFiles) {
          last = now;
          port.postMessage({ type: 'progress', id: job.id, ...p } satisfies WorkerReply);
        }
      },
      encoder,
    );
    port.postMessage({ type: 'done', id: job.id, result } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ type: 'failed', id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
port.postMessage({ type: 'ready' });
