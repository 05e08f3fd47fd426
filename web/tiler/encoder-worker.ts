// An encoder Web Worker: one wasm-vips instance answering encode requests from the tiling
// workers, each connected by its own MessagePort (shared/encode-pool, as in the agent).

import { serveEncodeRequests } from '../../shared/encode-pool/encoder-service.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import { errorText } from '../../shared/vips/errors.ts';
import { warmUp } from '../../shared/vips/warm-up.ts';
import { encodingVips } from '../../shared/vips/wasm-memory.ts';
import { loadBrowserVips } from './vips-browser.ts';

const pending: MessagePort[] = [];
let serve: ((port: MessagePort) => void) | undefined;

// Ports may arrive before wasm-vips is ready: keep them until it is.
self.addEventListener('message', (event: MessageEvent<{ type: string; port: MessagePort }>) => {
  if (event.data?.type !== 'connect') return;
  if (serve) serve(event.data.port);
  else pending.push(event.data.port);
});

const vips = await loadBrowserVips();
// Raising libvips' thread count in the browser can deadlock its pthread pool, and a tile is
// too small to share anyway: parallelism comes from several encoder workers.
vips.concurrency(1);
warmUp(vips);
// Strips are copied into one reused block of wasm memory, so it stays at about one strip.
const encoding = encodingVips(vips);
// A trap or abort of wasm-vips: raise it uncaught, so that the page replaces this worker
// (BrowserTiler.encoderFailed) instead of sending it more strips.
const stop = (err: unknown): void => {
  setTimeout(() => {
    throw new Error(`wasm-vips failed in an encoder worker: ${errorText(err)}`);
  });
};
serve = (port) => serveEncodeRequests(encoding, port as unknown as PortLike, stop);
pending.splice(0).forEach(serve);
self.postMessage({ type: 'ready' });
