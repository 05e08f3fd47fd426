// wasm-vips in a browser worker: no side modules (they slow start-up and we read none of
// their formats), no operation cache (every pixel is read once), warnings kept off the console.

import Vips from 'wasm-vips';
// libvips' threads start from this script rather than the glue itself: the glue, minus the
// JavaScript API that they never call (see shared/vips/libvips-thread.js). Bundled by Vite.
import libvipsThreadUrl from '../../shared/vips/libvips-thread.js?worker&url';
import type { Vips as VipsModule } from '../../shared/vips/types.ts';
import { loadCapturingMemory } from '../../shared/vips/wasm-memory.ts';

/** Its wasm memory is recorded, for encodingVips (shared/vips/wasm-memory.ts). */
export async function loadBrowserVips(): Promise<VipsModule> {
  const vips = await loadCapturingMemory(() =>
    Vips({
      dynamicLibraries: [],
      mainScriptUrlOrBlob: libvipsThreadUrl,
      preRun: [(module: { ENV: Record<string, string> }) => void (module.ENV.VIPS_WARNING = '0')],
      printErr: () => undefined,
    } as Parameters<typeof Vips>[0]),
  );
  vips.Cache.max(0);
  return vips;
}
