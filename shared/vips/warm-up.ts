// The first pipeline and the first encode of a wasm-vips instance start libvips' threads (each a
// Worker loading the module: about a second in all). Pay it when a worker starts, not inside the
// first image's time.

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
