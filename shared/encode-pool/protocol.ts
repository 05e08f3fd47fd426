// Messages between a tiler (the decoder) and encoder workers. Pixel and file buffers are
// transferred, not copied; pixels in the tiler's wasm memory (shared) are posted as they are.
// Works over Node's worker_threads MessagePort and the browser's.

import type { Pixels } from '../pyramid/pixels.ts';
import type { EncodeSettings } from '../vips/encode.ts';

export type EncodeRequest =
  | { kind: 'tiles'; id: number; pixels: Pixels; tileWidth: number; settings: EncodeSettings }
  | { kind: 'whole'; id: number; pixels: Pixels; settings: EncodeSettings };

/** `pixels`: the request's pixel buffer, transferred back for the tiler to use again (not when shared). */
export type EncodeReply = { id: number; files: Uint8Array[]; pixels?: Uint8Array } | { id: number; error: string };

/** A view of shared memory (a strip slot of wasm memory, strip-slots.ts): posted, not transferred. */
export const isShared = (data: Uint8Array): boolean => typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer;

/** The part of MessagePort both platforms share. */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[] | readonly unknown[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}
