// Decoding an image strip by strip into reused buffers.
//
// `region.writeToMemory()` has libvips allocate the strip in wasm memory, copies it into a new
// JavaScript buffer and frees the wasm copy: a fresh 10 MB buffer per 13000-px strip. Here
// libvips draws each strip into one block of wasm memory allocated once, and the pixels are
// copied from there into a buffer from the pool. On the 100 Mpx image this took decoding from
// 2.9 s to 2.1 s of CPU (71,000 page faults to 23,000). libvips writes the strip straight into
// the block (`write` into an image wrapped around it): drawing it there instead first has
// libvips decode it into a zeroed block of its own, ~0.13 s of CPU more on that image.

import type { BufferPool } from '../pyramid/buffer-pool.ts';
import type { Pixels } from '../pyramid/pixels.ts';
import type { Vips, VipsImage } from './types.ts';
import { wasmAllocatorOf } from './wasm-allocator.ts';
import { wasmMemoryOf } from './wasm-memory.ts';

export interface StripReader {
  /** Rows `top` to `top + height` (at most the strip height), in a buffer from the pool. */
  read(top: number, height: number): Pixels;
  /** Free the wasm block. */
  dispose(): void;
}

/** Reads strips of `image` (8-bit) through one wasm block, or by copying where that is not possible. */
export function stripReader(vips: Vips, image: VipsImage, stripHeight: number, pool: BufferPool): StripReader {
  const { width, bands } = image;
  const memory = wasmMemoryOf(vips);
  const allocator = wasmAllocatorOf(vips);
  const ptr = memory && allocator && image.format === 'uchar' ? allocator.malloc(width * stripHeight * bands) : 0;

  const crop = <T>(top: number, height: number, use: (region: VipsImage) => T): T => {
    const region = image.crop(0, top, width, height);
    try {
      return use(region);
    } finally {
      region.delete();
    }
  };

  if (!ptr) {
    return {
      read: (top, height) => ({ width, height, bands, data: crop(top, height, (region) => region.writeToMemory() as Uint8Array) }),
      dispose: () => undefined,
    };
  }
  let disposed = false;
  return {
    read(top, height) {
      if (height > stripHeight) throw new Error(`strip of ${height} rows, more than the ${stripHeight} planned`);
      const bytes = width * height * bands;
      const block = vips.Image.newFromMemory(ptr, bytes, width, height, bands, vips.BandFormat.uchar);
      try {
        // `write` hands back a new reference to the block: drop it at once.
        crop(top, height, (region) => region.write(block).delete());
      } finally {
        block.delete();
      }
      const data = pool.take(bytes);
      // memory.buffer is a new object after each growth of the wasm memory: take it each time.
      data.set(new Uint8Array(memory!.buffer, ptr, bytes));
      return { width, height, bands, data };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      allocator!.free(ptr);
    },
  };
}
