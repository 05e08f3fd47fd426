// An encoder worker thread: one wasm-vips instance answering encode requests from the
// tiling workers, each connected to it by its own MessagePort.
//
// It loads libvips only when told to ('load'): the pool starts it once a tiling worker is
// ready, so that the two do not split the cores while the first image waits to start.

import { type MessagePort, parentPort } from 'node:worker_threads';
import { serveEncodeRequests } from '../../shared/encode-pool/encoder-service.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import { warmUp } from '../../shared/vips/warm-up.ts';
import type { Vips } from '../../shared/vips/types.ts';
import { encodingVips } from '../../shared/vips/wasm-memory.ts';
import { loadVips } from './vips.ts';

/** 'load' carries libvips compiled once for all threads (see compile-vips.ts), when there is one. */
export type EncoderWorkerRequest = { type: 'load'; wasm?: WebAssembly.Module } | { type: 'connect'; port: MessagePort };

let encoding: Vips | undefined;
const waiting: MessagePort[] = [];

/** Its wasm-vips trapped or aborted: end this thread, and the pool starts a fresh set (TilePool.encoderDied). */
const stop = (): void => void setImmediate(() => process.exit(1));
const serve = (port: MessagePort): void => serveEncodeRequests(encoding!, port as unknown as PortLike, stop);

async function load(wasm: WebAssembly.Module | undefined): Promise<void> {
  // A tile is too small to share between threads: libvips' thread handoff costs more per tile
  // (about 1 ms) than it saves. Parallelism comes from several encoder threads instead.
  const vips = await loadVips({ compiled: wasm, concurrency: 1 });
  warmUp(vips);
  encoding = encodingVips(vips);
  for (const port of waiting.splice(0)) serve(port);
  parentPort!.postMessage({ type: 'ready' });
}

parentPort!.on('message', (msg: EncoderWorkerRequest) => {
  if (msg.type === 'load') void load(msg.wasm);
  else if (encoding) serve(msg.port);
  else waiting.push(msg.port);
});
