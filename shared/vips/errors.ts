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
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/** Check the first bytes of a file before handing it to libvips. */
export function checkHead(head: Uint8Array, fileSize: number): void {
  if (fileSize === 0) throw new ImageInputError('empty file (0 bytes)');
  const sniffed = sniffFormat(head);
  if (!sniffed) throw new ImageInputError(`not an image, or a format Tessella does not read (supported: ${SUPPORTED_FORMATS})`);
  if (!sniffed.supported) throw new ImageInputError(`unsupported format: ${sniffed.format} (supported: ${SUPPORTED_FORMATS})`);
}

/** Turn a libvips error into one short line. */
export function describeVipsError(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const text = lines.join('; ');
  if (/premature end|truncated|out of data|unexpected end|read error|end of file|not enough data|short read|Premature/i.test(text)) {
    return `truncated or damaged file (${lines[0] ?? text})`;
  }
  if (/not a known file format|is not a known/i.test(text)) return `not an image libvips can read (supported: ${SUPPORTED_FORMATS})`;
  if (/memory|Cannot enlarge memory|Aborted/i.test(text)) return `out of memory while decoding (${lines[0] ?? text})`;
  return text || 'unknown libvips error';
}
