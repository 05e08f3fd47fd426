// Pixels copied into one reused block of wasm memory instead of fresh allocations.
//
// `Image.newFromMemory(array, ...)` copies the array twice into freshly malloc'd wasm memory
// (an std::vector, then libvips' own copy). wasm-vips' allocator (mimalloc) does not reuse
// freed blocks of one size for another: strips of every pyramid level (27.6 MB, 13.8 MB, ...
// at 36000 px wide) made an encoder's wasm memory grow by about 200 MB per 15 strips, up to
// its 2 GiB limit, and wasm memory is never given back to the system. Copying into one block
// that is allocated once (and grown only for a larger image) keeps it at one strip. A strip
// that already lies in this instance's memory (a slot, strip-slots.ts) is not copied at all.

import type { Vips, VipsImage } from '../vips/types.ts';
import { wasmAllocatorOf } from '../vips/wasm-allocator.ts';
import { slotAddress } from '../vips/strip-slots.ts';

type NewFromMemory = (...args: unknown[]) => VipsImage;

/**
 * A view of `vips` whose `Image.newFromMemory(uint8Array, width, height, bands, uchar)` wraps
 * a copy in the reused block, or the array itself when it is a strip slot of this memory.
 * Contract: an image made this way (and every image derived from it) is deleted before the
 * next one is made, as the encoders in shared/vips/encode.ts do within one synchronous call.
 * While the previous image is still alive, the call falls back to the copying path, so a
 * caller that keeps images around gets slower, never wrong bytes.
 */
export function withResidentPixels(vips: Vips, memory: WebAssembly.Memory): Vips {
  const allocator = wasmAllocatorOf(vips);
  if (!allocator) return vips;
  const { malloc, free } = allocator;
  const copying = vips.Image.newFromMemory.bind(vips.Image) as NewFromMemory;
  let ptr = 0;
  let capacity = 0;
  let last: VipsImage | undefined;

  const newFromMemory: NewFromMemory = (...args) => {
    const [data, width, height, bands, format] = args;
    if (args.length !== 5 || !(data instanceof Uint8Array) || format !== vips.BandFormat.uchar) return copying(...args);
    // A strip slot of this instance's memory (strip-slots.ts): wrapped where it lies.
    const slot = slotAddress(memory, data);
    if (slot !== undefined) return copying(slot, data.byteLength, width, height, bands, format);
    if (last !== undefined && !last.isDeleted()) return copying(...args);
    if (data.byteLength > capacity) {
      if (ptr) free(ptr);
      ptr = malloc(data.byteLength);
      if (!ptr) {
        capacity = 0;
        return copying(...args);
      }
      capacity = data.byteLength;
    }
    // memory.buffer is a new object after each growth of the wasm memory: take it each time.
    new Uint8Array(memory.buffer, ptr, data.byteLength).set(data);
    last = copying(ptr, data.byteLength, width, height, bands, format);
    return last;
  };

  const image = new Proxy(vips.Image, {
    get: (target, prop, receiver) => (prop === 'newFromMemory' ? newFromMemory : Reflect.get(target, prop, receiver)),
  });
  return new Proxy(vips, {
    get: (target, prop, receiver) => (prop === 'Image' ? image : Reflect.get(target, prop, receiver)),
  });
}
