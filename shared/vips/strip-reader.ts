// Decoding an image strip by strip into reused buffers.
//
// `region.writeToMemory()` has libvips allocate the strip in wasm memory, copies it into a new
// JavaScript buffer and frees the wasm copy: a fresh 10 MB buffer per 13000-px strip. Here
// libvips draws each strip into a block of wasm memory allocated beforehand, and the strip
// is handed on where it lies (strip-slots.ts) or, when no slot is free, copied from there into
// a buffer from the pool. On the 100 Mpx image the reused block took decoding from 2.9 s to
// 2.1 s of CPU (71,000 page faults to 23,000). libvips writes the strip straight into the block
// (`write` into an image wrapped around it): drawing it there instead first has libvips decode
// it into a zeroed block of its own, ~0.13 s of CPU more on that image.

import type { BufferPool } from '../pyramid/buffer-pool.ts';
import type { Pixels } from '../pyramid/pixels.ts';
import type { Vips, VipsImage } from './types.ts';
import { wasmAllocatorOf } from './wasm-allocator.ts';
import { wasmMemoryOf } from './wasm-memory.ts';
import { StripSlots } from './strip-slots.ts';

/** Each instance's slots, allocated once and kept (see strip-slots.ts). */
const slotsByInstance = new WeakMap<Vips, StripSlots>();

export interface StripReader {
  /** Rows `top` to `top + height` (at most the strip height), in a slot or a buffer from the pool. */
  read(top: number, height: number): Pixels;
  /** Hand back a strip's buffer (a slot, or one for the pool) once nothing reads it any more. */
  give(data: Uint8Array): void;
  /** Free the wasm block. */
  dispose(): void;
}

/**
 * Reads strips of `image` (8-bit) into slots of wasm memory while there are free ones, else
 * through one wasm block into buffers from `pool`, or by copying where neither is possible.
 */
export function stripReader(vips: Vips, image: VipsImage, stripHeight: number, pool: BufferPool): StripReader {
  const { width, bands } = image;
  const memory = wasmMemoryOf(vips);
  const allocator = wasmAllocatorOf(vips);
  const stripBytes = width * stripHeight * bands;

  const crop = <T>(top: number, height: number, use: (region: VipsImage) => T): T => {
    const region = image.crop(0, top, width, height);
    try {
      return use(region);
    } finally {
      region.delete();
    }
  };

  if (!memory || !allocator || image.format !== 'uchar') {
    return {
      read: (top, height) => ({ width, height, bands, data: crop(top, height, (region) => region.writeToMemory() as Uint8Array) }),
      give: (data) => pool.give(data),
      dispose: () => undefined,
    };
  }
  let slots = slotsByInstance.get(vips);
  if (!slots) slotsByInstance.set(vips, (slots = new StripSlots(memory, allocator)));
  const slotted = slots.prepare(stripBytes) > 0 ? slots : undefined;

  /** Decode rows `top` to `top + height` into wasm memory at `ptr`. */
  const draw = (ptr: number, top: number, height: number): void => {
    const block = vips.Image.newFromMemory(ptr, width * height * bands, width, height, bands, vips.BandFormat.uchar);
    try {
      // `write` hands back a new reference to the block: drop it at once.
      crop(top, height, (region) => region.write(block).delete());
    } finally {
      block.delete();
    }
  };
  // The block strips are copied out of when no slot is free: allocated when first needed.
  let scratch = 0;
  let disposed = false;
  return {
    read(top, height) {
      if (height > stripHeight) throw new Error(`strip of ${height} rows, more than the ${stripHeight} planned`);
      const bytes = width * height * bands;
      const slot = slotted?.take();
      if (slot !== undefined) {
        try {
          draw(slot, top, height);
        } catch (err) {
          slotted!.release(slot);
          throw err;
        }
        return { width, height, bands, data: slotted!.view(slot, bytes) };
      }
      scratch ||= allocator.malloc(stripBytes);
      if (!scratch) return { width, height, bands, data: crop(top, height, (region) => region.writeToMemory() as Uint8Array) };
      draw(scratch, top, height);
      const data = pool.take(bytes);
      // memory.buffer is a new object after each growth of the wasm memory: take it each time.
      data.set(new Uint8Array(memory.buffer, scratch, bytes));
      return { width, height, bands, data };
    },
    give(data) {
      if (!slots.give(data)) pool.give(data);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (scratch) allocator.free(scratch);
    },
  };
}
