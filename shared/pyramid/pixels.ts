// Raw 8-bit interleaved pixels, and the 2x2 box shrink with ceil dimensions that links
// one pyramid level to the next. Pure TypeScript: the same bytes in every thread and browser.

export interface Pixels {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA). */
  bands: number;
  data: Uint8Array;
}

export function allocPixels(width: number, height: number, bands: number): Pixels {
  return { width, height, bands, data: new Uint8Array(width * height * bands) };
}

/**
 * One row of the 2x2 shrink: the rounded mean of each 2x2 block of rows `r0` of `s0` and `r1` of
 * `s1` (byte offsets; pass the same row twice for a lone last row), written at offset `o` of
 * `out`. A lone last column is averaged with itself, so edges keep their colour.
 */
export function halveRow(out: Uint8Array, o: number, s0: Uint8Array, r0: number, s1: Uint8Array, r1: number, width: number, bands: number): void {
  // RGB, by far the common case, unrolled: a third faster than the loop over bands.
  if (bands === 3) return halveRowRgb(out, o, s0, r0, s1, r1, width);
  const b = bands;
  const pairs = width >> 1; // full 2-pixel column pairs
  let i = 0;
  for (let p = 0; p < pairs; p++) {
    for (let c = 0; c < b; c++) {
      out[o++] = (s0[r0 + i + c]! + s0[r0 + i + b + c]! + s1[r1 + i + c]! + s1[r1 + i + b + c]! + 2) >> 2;
    }
    i += 2 * b;
  }
  if (width & 1) {
    for (let c = 0; c < b; c++) out[o++] = (s0[r0 + i + c]! + s1[r1 + i + c]! + 1) >> 1;
  }
}

function halveRowRgb(out: Uint8Array, o: number, s0: Uint8Array, r0: number, s1: Uint8Array, r1: number, width: number): void {
  const end = r0 + (width >> 1) * 6;
  let j = r1;
  let i = r0;
  for (; i < end; i += 6, j += 6) {
    out[o++] = (s0[i]! + s0[i + 3]! + s1[j]! + s1[j + 3]! + 2) >> 2;
    out[o++] = (s0[i + 1]! + s0[i + 4]! + s1[j + 1]! + s1[j + 4]! + 2) >> 2;
    out[o++] = (s0[i + 2]! + s0[i + 5]! + s1[j + 2]! + s1[j + 5]! + 2) >> 2;
  }
  if (width & 1) {
    out[o++] = (s0[i]! + s1[j]! + 1) >> 1;
    out[o++] = (s0[i + 1]! + s1[j + 1]! + 1) >> 1;
    out[o++] = (s0[i + 2]! + s1[j + 2]! + 1) >> 1;
  }
}

/**
 * Halve a band of rows given as one or two stacked strips (an even number of rows, or fewer
 * at the bottom of the image) to ceil(w/2) x ceil(h/2), averaging each 2x2 block with rounding.
 * A lone last column or row is averaged with itself, so edges keep their colour.
 */
export function halve(top: Pixels, bottom?: Pixels): Pixels {
  const { width: w, bands: b } = top;
  if (bottom && (bottom.width !== w || bottom.bands !== b)) throw new Error('halve: strips differ in width or bands');
  const h = top.height + (bottom?.height ?? 0);
  const stride = w * b;
  const row = (y: number): [Uint8Array, number] =>
    y < top.height ? [top.data, y * stride] : [bottom!.data, (y - top.height) * stride];
  const ow = (w + 1) >> 1;
  const oh = (h + 1) >> 1;
  const out = new Uint8Array(ow * oh * b);
  for (let oy = 0; oy < oh; oy++) {
    const [s0, r0] = row(2 * oy);
    const [s1, r1] = 2 * oy + 1 < h ? row(2 * oy + 1) : [s0, r0];
    halveRow(out, oy * ow * b, s0, r0, s1, r1, w, b);
  }
  return { width: ow, height: oh, bands: b, data: out };
}

/** Copy a rectangle out of a pixel buffer. */
export function crop(src: Pixels, left: number, top: number, width: number, height: number): Pixels {
  if (left === 0 && top === 0 && width === src.width && height === src.height) return src;
  const out = allocPixels(width, height, src.bands);
  const rowBytes = width * src.bands;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * src.width + left) * src.bands;
    out.data.set(src.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return out;
}
