// A worker thread with its own wasm-vips instance, tiling whole images on request.

import { parentPort } from 'node:worker_threads';
import { type TileJob, runTileJob } from './tile-job.ts';
import { loadVips, warmUp } from './vips.ts';

export type WorkerRequest = { type: 'tile'; job: TileJob };
export type WorkerReply =
  | { type: 'progress'; id: string; files: number; totalFiles: number; bytes: number }
  | { type: 'done'; id: string; result: Awaited<ReturnType<typeof runTileJob>> }
  | { type: 'failed'; id: string; error: string };

const port = parentPort!;
const vips = await loadVips();
warmUp(vips);

port.on('message', async (msg: WorkerRequest) => {
  const { job } = msg;
  let last = 0;
  try {
    const result = await runTileJob(vips, job, (p) => {
      const now = Date.now();
      if (now - last > 100 || p.files === p.totalFiles) {
        last = now;
        port.postMessage({ type: 'progress', id: job.id, ...p } satisfies WorkerReply);
      }
    });
    port.postMessage({ type: 'done', id: job.id, result } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ type: 'failed', id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
port.postMessage({ type: 'ready' });
