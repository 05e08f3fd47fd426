// The wasm memory of a wasm-vips instance, which wasm-vips keeps private, and the encoding view
// of an instance that copies pixels into one reused block of it (resident-pixels.ts). The same
// in Node and in browsers: both make the memory with `new WebAssembly.Memory`.

import { withResidentPixels } from '../encode-pool/resident-pixels.ts';
import type { Vips } from './types.ts';

const memories = new WeakMap<Vips, WebAssembly.Memory>();

/**
 * Load an instance with `load` while recording the first WebAssembly.Memory made meanwhile
 * (wasm-vips makes its shared memory with `new WebAssembly.Memory`), for wasmMemoryOf.
 */
export async function loadCapturingMemory<T extends Vips>(load: () => Promise<T>): Promise<T> {
  const Original = WebAssembly.Memory;
  let memory: WebAssembly.Memory | undefined;
  (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = new Proxy(Original, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget) as WebAssembly.Memory;
      memory ??= made;
      return made;
    },
  });
  try {
    const vips = await load();
    if (memory) memories.set(vips, memory);
    return vips;
  } finally {
    (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = Original;
  }
}

/**
 * A tiling worker whose wasm memory has grown past this after an image is replaced by a fresh
 * one (the agent's TilePool, the browser's BrowserTiler). wasm memory is never given back, and
 * wasm-vips' allocator does not reuse a freed block of one size for another (libjpeg's
 * coefficients of a whole level, see PoolEncoder.whole): over a batch of images of many sizes a
 * worker kept growing, by 50-150 MB per image, towards wasm's limit, where it dies and an
 * innocent image fails. One image needs less: 531 MiB after the 100 Mpx photo, 369 MiB after
 * the 0.9 Gpx one (strips are bounded by the width, whole levels by --max-size).
 */
export const RECYCLE_WASM_ABOVE_BYTES = 768 * 2 ** 20;

/** The wasm memory of an instance made through loadCapturingMemory (undefined if unseen). */
export function wasmMemoryOf(vips: Vips): WebAssembly.Memory | undefined {
  return memories.get(vips);
}

/**
 * The instance for encoding: pixels handed to it are copied into one reused block of wasm
 * memory (see resident-pixels.ts), so its memory stays at about one strip.
 */
export function encodingVips(vips: Vips): Vips {
  const memory = memories.get(vips);
  return memory ? withResidentPixels(vips, memory) : vips;
}
