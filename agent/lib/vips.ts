// wasm-vips for Node: one instance per thread, no side modules, no operation cache
// (the cache only holds on to memory when every pixel is read once).

import Vips from 'wasm-vips';
import { withResidentPixels } from '../../shared/encode-pool/resident-pixels.ts';
import type { Vips as VipsModule } from '../../shared/vips/types.ts';

/** Each instance's wasm memory (wasm-vips does not export it; see captureMemory). */
const memories = new WeakMap<VipsModule, WebAssembly.Memory>();

/**
 * Run `load` while recording the first WebAssembly.Memory it creates: wasm-vips makes its
 * (shared) memory with `new WebAssembly.Memory` and keeps it private.
 */
async function captureMemory<T>(load: () => Promise<T>): Promise<{ value: T; memory?: WebAssembly.Memory }> {
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
    return { value: await load(), memory };
  } finally {
    (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = Original;
  }
}

export async function loadVips(): Promise<VipsModule> {
  const { value: vips, memory } = await captureMemory(() =>
    Vips({
      dynamicLibraries: [],
      // libvips warnings (e.g. about odd but readable files) are not for the terminal; errors
      // still reach us as exceptions. NODERAWFS writes straight to fd 2, so silence them at the source.
      preRun: [(module: { ENV: Record<string, string> }) => void (module.ENV.VIPS_WARNING = '0')],
      printErr: () => undefined,
      print: () => undefined,
    } as Parameters<typeof Vips>[0]),
  );
  vips.Cache.max(0);
  if (memory) memories.set(vips, memory);
  return vips;
}

/** The wasm memory of an instance made by loadVips (undefined if it could not be seen). */
export function wasmMemoryOf(vips: VipsModule): WebAssembly.Memory | undefined {
  return memories.get(vips);
}

/**
 * The instance for encoding: pixels handed to it are copied into one reused block of wasm
 * memory (see shared/encode-pool/resident-pixels.ts), so its memory stays at about one strip.
 */
export function encodingVips(vips: VipsModule): VipsModule {
  const memory = memories.get(vips);
  return memory ? withResidentPixels(vips, memory) : vips;
}

/**
 * The first pipeline and the first encode of an instance start libvips' threads, which takes
 * about a second: pay it once when a worker starts, not inside the first image's time.
 */
export function warmUp(vips: VipsModule): void {
  const img = vips.Image.black(8, 8, { bands: 3 });
  try {
    img.writeToMemory();
    img.jpegsaveBuffer({ Q: 85 });
  } finally {
    img.delete();
  }
}
