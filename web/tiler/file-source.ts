// Read a dropped File lazily inside a worker: libvips pulls bytes through a custom source and
// FileReaderSync reads just those slices, so a big file is never copied whole into wasm memory.

import type { Vips } from '../../shared/vips/types.ts';
import type VipsNamespace from 'wasm-vips';

/** The seek offset of the browser build is a C int: files from 2 GiB up cannot be read. */
export const MAX_BROWSER_FILE = 2 ** 31 - 1;

/**
 * Bytes read from the file at once. libvips asks for a few KB per call, and every File.slice
 * read is a round trip to the browser process: reading ahead in big windows turns thousands of
 * round trips into a few (measured: a 20 Mpx JPEG tiled in 7.9 s with a read per call).
 */
export const READ_WINDOW = 4 * 2 ** 20;

export function fileSource(vips: Vips, file: Blob): VipsNamespace.SourceCustom {
  const reader = new FileReaderSync();
  const source = new vips.SourceCustom();
  let position = 0;
  let window = new Uint8Array(0);
  let windowStart = 0;
  source.onRead = (length: number) => {
    if (position >= file.size) return new Uint8Array(0);
    if (position < windowStart || position >= windowStart + window.byteLength) {
      windowStart = position;
      const end = Math.min(file.size, position + Math.max(length, READ_WINDOW));
      window = new Uint8Array(reader.readAsArrayBuffer(file.slice(position, end)));
    }
    const from = position - windowStart;
    const chunk = window.subarray(from, Math.min(window.byteLength, from + length));
    position += chunk.byteLength;
    return chunk;
  };
  source.onSeek = (offset: number, whence: number) => {
    // whence: 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END
    const base = whence === 0 ? 0 : whence === 1 ? position : file.size;
    const next = base + offset;
    if (next < 0 || next > file.size) return -1;
    position = next;
    return position;
  };
  return source;
}

export function readHead(file: Blob, bytes = 64): Uint8Array {
  return new Uint8Array(new FileReaderSync().readAsArrayBuffer(file.slice(0, bytes)));
}
