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

/** Whether this platform stores the low byte of a word first (checked once: all current ones do). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function halveRowRgb(out: Uint8Array, o: number, s0: Uint8Array, r0: number, s1: Uint8Array, r1: number, width: number): void {
  // Rows that start on a 4-byte boundary (most: a width that is a multiple of 4 keeps every row
  // there) go four pixels at a time through 32-bit words, about a third faster; the rest, and
  // the last 0-3 pixels of a row, byte by byte. Same bytes either way.
  if (width >= 4 && LITTLE_ENDIAN && ((s0.byteOffset + r0) & 3) === 0 && ((s1.byteOffset + r1) & 3) === 0) {
    const quads = width >> 2;
    halveQuadsRgb(out, o, s0, r0, s1, r1, quads);
    const done = quads * 12;
    return halveRowRgbBytes(out, o + quads * 6, s0, r0 + done, s1, r1 + done, width - quads * 4);
  }
  halveRowRgbBytes(out, o, s0, r0, s1, r1, width);
}

/**
 * 4 RGB pixels of two rows (3 words each) to 2 pixels: bytes split into 16-bit lanes (even and
 * odd bytes), summed down the two rows in one add per lane pair, then across the pixel pairs.
 * Lanes of word k: even bytes 0 and 2, odd bytes 1 and 3; for k = 0, 1, 2 they hold
 * [R0 B0 | G0 R1], [G1 R2 | B1 G2], [B2 G3 | R3 B3].
 */
function halveQuadsRgb(out: Uint8Array, o: number, s0: Uint8Array, r0: number, s1: Uint8Array, r1: number, quads: number): void {
  const w0 = new Uint32Array(s0.buffer, s0.byteOffset + r0, quads * 3);
  const w1 = new Uint32Array(s1.buffer, s1.byteOffset + r1, quads * 3);
  const M = 0x00ff00ff;
  for (let k = 0; k < quads * 3; k += 3, o += 6) {
    const x0 = w0[k]!, x1 = w0[k + 1]!, x2 = w0[k + 2]!;
    const y0 = w1[k]!, y1 = w1[k + 1]!, y2 = w1[k + 2]!;
    const e0 = (x0 & M) + (y0 & M), d0 = ((x0 >>> 8) & M) + ((y0 >>> 8) & M);
    const e1 = (x1 & M) + (y1 & M), d1 = ((x1 >>> 8) & M) + ((y1 >>> 8) & M);
    const e2 = (x2 & M) + (y2 & M), d2 = ((x2 >>> 8) & M) + ((y2 >>> 8) & M);
    out[o] = ((e0 & 0xffff) + (d0 >>> 16) + 2) >> 2; // R0 + R1
    out[o + 1] = ((d0 & 0xffff) + (e1 & 0xffff) + 2) >> 2; // G0 + G1
    out[o + 2] = ((e0 >>> 16) + (d1 & 0xffff) + 2) >> 2; // B0 + B1
    out[o + 3] = ((e1 >>> 16) + (d2 & 0xffff) + 2) >> 2; // R2 + R3
    out[o + 4] = ((d1 >>> 16) + (e2 >>> 16) + 2) >> 2; // G2 + G3
    out[o + 5] = ((e2 & 0xffff) + (d2 >>> 16) + 2) >> 2; // B2 + B3
  }
}

function halveRowRgbBytes(out: Uint8Array, o: number, s0: Uint8Array, r0: number, s1: Uint8Array, r1: number, width: number): void {
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
