// The first pipeline and the first encode of a wasm-vips instance wait for libvips' threads (each
// a Worker loading the module: the agent starts them with the instance, the browser when they are
// first needed) and for V8 to compile the code they run. Pay it when a worker starts, not inside
// the first image's time.

import type { Vips } from './types.ts';

export function warmUp(vips: Vips): void {
  const img = vips.Image.black(8, 8, { bands: 3 });
  try {
    img.writeToMemory();
    img.jpegsaveBuffer({ Q: 85 });
  } finally {
    img.delete();
  }
}
