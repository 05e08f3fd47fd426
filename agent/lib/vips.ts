// wasm-vips for Node: one instance per thread, no side modules, no operation cache
// (the cache only holds on to memory when every pixel is read once).

import Vips from 'wasm-vips';
import type { Vips as VipsModule } from '../../shared/vips/types.ts';

export async function loadVips(): Promise<VipsModule> {
  const vips = await Vips({
    dynamicLibraries: [],
    // libvips warnings (e.g. about odd but readable files) are not for the terminal.
    printErr: () => undefined,
    print: () => undefined,
  });
  vips.Cache.max(0);
  return vips;
}
