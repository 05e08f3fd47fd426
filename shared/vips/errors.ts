// Recognising what a file is from its first bytes, so that a bad input gets a reason a person
// understands instead of a libvips message.

export interface Sniffed {
  format: string;
  supported: boolean;
}

const SIGNATURES: Array<[string, boolean, (b: Uint8Array) => boolean]> = [
  ['JPEG', true, (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['PNG', true, (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['TIFF', true, (b) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a) || (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2b) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2b)],
  ['WebP', true, (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP'],
  ['GIF', true, (b) => ascii(b, 0, 4) === 'GIF8'],
  ['PNM', true, (b) => b[0] === 0x50 && b[1]! >= 0x31 && b[1]! <= 0x37 && (b[2] === 0x0a || b[2] === 0x20 || b[2] === 0x0d)],
  ['JPEG 2000', false, (b) => (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) || ascii(b, 4, 8) === 'jP  \r\n\x87\n'],
  ['PDF', false, (b) => ascii(b, 0, 5) === '%PDF-'],
  ['HEIF/AVIF', false, (b) => ascii(b, 4, 4) === 'ftyp' && /^(heic|heix|hevc|mif1|msf1|avif|avis)$/.test(ascii(b, 8, 4))],
  ['JPEG XL', false, (b) => (b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, 4) === 'JXL '],
  ['BMP', false, (b) => ascii(b, 0, 2) === 'BM'],
  ['PSD', false, (b) => ascii(b, 0, 4) === '8BPS'],
  ['SVG', false, (b) => /^\s*(<\?xml|<svg)/.test(ascii(b, 0, 64))],
];

function ascii(b: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...b.subarray(start, start + length));
}

export function sniffFormat(head: Uint8Array): Sniffed | undefined {
  for (const [format, supported, test] of SIGNATURES) if (test(head)) return { format, supported };
  return undefined;
}

export const SUPPORTED_FORMATS = 'JPEG, PNG, TIFF, WebP, GIF';

/** A failure of one input, with a reason fit for a one-line report. */
export class ImageInputError extends Error {
  /** `options.cause`: the error this one explains (see isWasmFailure). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageInputError';
  }
}

/** The name given to an error that isWasmFailure, where only its name and message travel (Comlink). */
export const WASM_FAILURE = 'WasmFailure';

/**
 * Whether `err`, or an error it was made from (its `cause`s), is a trap or abort of the wasm
 * instance (a WebAssembly.RuntimeError: emscripten aborts with one too). After one, the
 * instance may be unusable (aborted, or a libvips thread stuck), whatever the error says about
 * the file: the worker that owns it must not be used again.
 */
export function isWasmFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (e instanceof WebAssembly.RuntimeError || name === 'RuntimeError' || name === WASM_FAILURE) return true;
  }
  return false;
}

/** Width and height from the fixed-position header of PNG and GIF files; undefined for others. */
export function headerSize(head: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const format = sniffFormat(head)?.format;
  if (format === 'PNG' && head.length >= 24 && ascii(head, 12, 4) === 'IHDR') return { width: view.getUint32(16), height: view.getUint32(20) };
  if (format === 'GIF' && head.length >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  return undefined;
}

export function pixelLimitMessage(width: number, height: number, maxPixels: number): string {
  const pixels = width * height;
  return `image claims ${width}x${height} = ${pixels.toLocaleString('en')} pixels, over the limit of ${maxPixels.toLocaleString('en')} (raise it with --max-pixels if the file is genuine)`;
}

/**
 * Check the first bytes of a file before handing it to libvips: empty, unknown and
 * unsupported formats, and headers that claim an absurd size (decompression bombs).
 */
export function checkHead(head: Uint8Array, fileSize: number, maxPixels = Infinity): void {
  if (fileSize === 0) throw new ImageInputError('empty file (0 bytes)');
  const sniffed = sniffFormat(head);
  if (!sniffed) throw new ImageInputError(`not an image, or a format Tessella does not read (supported: ${SUPPORTED_FORMATS})`);
  if (!sniffed.supported) throw new ImageInputError(`unsupported format: ${sniffed.format} (supported: ${SUPPORTED_FORMATS})`);
  const size = headerSize(head);
  if (size && size.width * size.height > maxPixels) throw new ImageInputError(pixelLimitMessage(size.width, size.height, maxPixels));
}

/** The text of an error: wasm-vips throws WebAssembly.Exception whose message is [type, text]. */
export function errorText(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.map(String).slice(-1)[0] ?? '';
  if (typeof message === 'string') return message;
  return String(err);
}

const GENERIC = /^(unable to (write to (memory|image)|call \w+|load from (file|source|buffer).*)|read gave \d+ warnings?|error in tile .*)$/i;

/** Turn a libvips error into one short line: its informative parts, once each. */
export function describeVipsError(err: unknown): string {
  if (err instanceof ImageInputError) return err.message;
  const lines = [...new Set(errorText(err).split('\n').map((l) => l.trim()).filter(Boolean))];
  const informative = lines.filter((l) => !GENERIC.test(l));
  const detail = (informative.length > 0 ? informative : lines).slice(0, 2).join('; ');
  const all = lines.join(' ');
  if (/premature end|truncated|out of data|unexpected end|end of file|not enough data|short read|incomplete/i.test(all)) {
    return `truncated file (${detail})`;
  }
  if (/not a known file format/i.test(all)) return `not an image libvips can read (supported: ${SUPPORTED_FORMATS})`;
  if (/out of memory|Cannot enlarge memory|memory access out of bounds|OOM/i.test(all)) return `out of memory while decoding (${detail})`;
  if (/corrupt|invalid|bad |unsupported marker|damaged|decode|CRC|IDAT|huffman/i.test(all)) return `damaged image data (${detail})`;
  if (informative.length === 0) return `the file could not be decoded; it is damaged or not a valid image (libvips: ${detail})`;
  return detail || 'unknown libvips error';
}
