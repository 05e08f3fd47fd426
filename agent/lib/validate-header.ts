// Pixel size and format of a JPEG, PNG or WebP file, read from its header only: validating an
// output folder means checking thousands of tiles, and decoding them would be far too slow.

import { closeSync, openSync, readSync } from 'node:fs';

export type HeaderFormat = 'jpg' | 'png' | 'webp';

export interface ImageHeader {
  format: HeaderFormat;
  width: number;
  height: number;
}

/** Enough for every header we read, except JPEGs with large EXIF/ICC segments before the frame. */
const FIRST_READ = 64 * 1024;

/** Positional reads from an open file, with the first block kept in memory. */
class FileBytes {
  readonly head: Buffer;
  constructor(private readonly fd: number) {
    const buf = Buffer.alloc(FIRST_READ);
    this.head = buf.subarray(0, readSync(fd, buf, 0, FIRST_READ, 0));
  }

  /** `length` bytes at `offset`, or undefined past the end of the file. */
  at(offset: number, length: number): Buffer | undefined {
    if (offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    const buf = Buffer.alloc(length);
    return readSync(this.fd, buf, 0, length, offset) === length ? buf : undefined;
  }
}

// Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegSize(bytes: FileBytes): ImageHeader | undefined {
  let offset = 2;
  for (;;) {
    const marker = bytes.at(offset, 4);
    if (!marker || marker[0] !== 0xff) return undefined;
    const type = marker[1]!;
    if (type === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (type === 0xd9 || type === 0xda) return undefined; // end of image or scan data before any frame header
    if (isStartOfFrame(type)) {
      const frame = bytes.at(offset + 5, 4);
      return frame ? { format: 'jpg', height: frame.readUInt16BE(0), width: frame.readUInt16BE(2) } : undefined;
    }
    offset += 2 + marker.readUInt16BE(2);
  }
}

function pngSize(head: Buffer): ImageHeader | undefined {
  if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { format: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

function webpSize(head: Buffer): ImageHeader | undefined {
  if (head.length < 30) return undefined;
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    // Lossy: a key frame starts with the 9d 01 2a start code, then 14-bit width and height.
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return undefined;
    return { format: 'webp', width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each.
    if (head[20] !== 0x2f) return undefined;
    const bits = head.readUInt32LE(21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Extended: canvas width-1 and height-1 in 24 bits each.
    return { format: 'webp', width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  }
  return undefined;
}

/**
 * The format and pixel size of an image file, from its header. Throws when the file cannot be
 * read (e.g. it does not exist); returns undefined when it is not a JPEG, PNG or WebP we can read.
 */
export function readImageHeader(path: string): ImageHeader | undefined {
  const fd = openSync(path, 'r');
  try {
    const bytes = new FileBytes(fd);
    const { head } = bytes;
    if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return jpegSize(bytes);
    if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return pngSize(head);
    if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return webpSize(head);
    return undefined;
  } finally {
    closeSync(fd);
  }
}
