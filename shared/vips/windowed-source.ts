// A libvips custom source that reads its bytes a big window at a time. libvips pulls a few KB
// per read, and each read is a call back into JavaScript that may cost a round trip (a
// File.slice read in the browser) or a system call (a file in the agent).

import type VipsNamespace from 'wasm-vips';
import type { Vips } from './types.ts';

/** Reads up to `length` bytes at `position` (fewer only at the end of the file). */
export type ReadAt = (position: number, length: number) => Uint8Array;

export function windowedSource(vips: Vips, size: number, readAt: ReadAt, windowBytes: number): VipsNamespace.SourceCustom {
  const source = new vips.SourceCustom();
  let position = 0;
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  source.onRead = (length: number) => {
    if (position >= size) return new Uint8Array(0);
    if (position < windowStart || position >= windowStart + window.byteLength) {
      windowStart = position;
      window = readAt(position, Math.min(size - position, Math.max(length, windowBytes)));
    }
    const from = position - windowStart;
    const chunk = window.subarray(from, Math.min(window.byteLength, from + length));
    position += chunk.byteLength;
    return chunk;
  };
  source.onSeek = (offset: number, whence: number) => {
    // whence: 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END
    const next = (whence === 0 ? 0 : whence === 1 ? position : size) + offset;
    if (next < 0 || next > size) return -1;
    position = next;
    return position;
  };
  return source;
}
