// An encoder worker thread: one wasm-vips instance answering encode requests from the
// tiling workers, each connected to it by its own MessagePort.

import { type MessagePort, parentPort } from 'node:worker_threads';
import { serveEncodeRequests } from '../../shared/encode-pool/encoder-service.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import { warmUp } from '../../shared/vips/warm-up.ts';
import { encodingVips, loadVips } from './vips.ts';

const vips = await loadVips();
// A tile is too small to share between threads: libvips' thread handoff costs more per tile
// (about 1 ms) than it saves. Parallelism comes from several encoder threads instead.
vips.concurrency(1);
warmUp(vips);
const encoding = encodingVips(vips);
parentPort!.on('message', (msg: { type: 'connect'; port: MessagePort }) => {
  if (msg.type === 'connect') serveEncodeRequests(encoding, msg.port as unknown as PortLike);
});
parentPort!.postMessage({ type: 'ready' });
