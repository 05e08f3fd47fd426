// Peak signal-to-noise ratio between two 8-bit images of the same size (first 3 channels).
export function psnr(a: Uint8Array, b: Uint8Array, channelsA: number, channelsB: number, pixels: number): number {
  let se = 0;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      const d = a[p * channelsA + c]! - b[p * channelsB + c]!;
      se += d * d;
    }
  }
  const mse = se / (pixels * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
