// The encoder side: answers encode requests arriving on one or more ports with one wasm-vips
// instance. Runs in the agent's encoder worker threads and in the browser's encoder workers.

import { encodePixels, encodeStripTiles } from '../vips/encode.ts';
import { errorText, isWasmFailure } from '../vips/errors.ts';
import type { Vips } from '../vips/types.ts';
import { type EncodeReply, type EncodeRequest, type PortLike, isShared } from './protocol.ts';

/**
 * `onWasmFailure`: called after replying to a request that failed with a trap or abort of the
 * wasm instance (isWasmFailure): the instance may be unusable, so the host stops this encoder
 * (and its pool starts fresh ones) rather than let it fail or hang every strip after.
 */
export function serveEncodeRequests(vips: Vips, port: PortLike, onWasmFailure?: (err: unknown) => void): void {
  port.addEventListener('message', (event) => {
    const req = event.data as EncodeRequest;
    let reply: EncodeReply;
    let failure: unknown;
    try {
      const files =
        req.kind === 'tiles'
          ? encodeStripTiles(vips, req.pixels, req.tileWidth, req.settings)
          : [encodePixels(vips, req.pixels, req.settings)];
      // Each file alone in its buffer, so that it can be transferred back; the pixels go back
      // too, for the tiler's next strip (their own buffer: the tiler sent it so), unless they
      // are the tiler's shared memory, which it still has.
      reply = {
        id: req.id,
        files: files.map((f) => (f.byteOffset === 0 && f.buffer.byteLength === f.byteLength ? f : f.slice())),
        ...(isShared(req.pixels.data) ? {} : { pixels: req.pixels.data }),
      };
    } catch (err) {
      reply = { id: req.id, error: `encoding failed: ${errorText(err)}` };
      failure = err;
    }
    port.postMessage(reply, 'files' in reply ? [...reply.files.map((f) => f.buffer), ...(reply.pixels ? [reply.pixels.buffer] : [])] : []);
    if (failure !== undefined && isWasmFailure(failure)) onWasmFailure?.(failure);
  });
  port.start?.();
}
