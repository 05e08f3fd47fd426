// wasm-vips for Node: one instance per thread, no side modules, no operation cache
// (the cache only holds on to memory when every pixel is read once).

import Vips from 'wasm-vips';
import type { Vips as VipsModule } from '../../shared/vips/types.ts';

export async function loadVips(): Promise<VipsModule> {
  const vips = await Vips({
    dynamicLibraries: [],
    // libvips warnings (e.g. about odd but readable files) are not for the terminal; errors
    // still reach us as exceptions. NODERAWFS writes straight to fd 2, so silence them at the source.
    preRun: [(module: { ENV: Record<string, string> }) => void (module.ENV.VIPS_WARNING = '0')],
    printErr: () => undefined,
    print: () => undefined,
  } as Parameters<typeof Vips>[0]);
  vips.Cache.max(0);
  return vips;
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
