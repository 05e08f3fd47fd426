// Read a dropped File lazily inside a worker: libvips pulls bytes through a custom source and
// FileReaderSync reads just those slices, so a big file is never copied whole into wasm memory.

import type { Vips } from '../../shared/vips/types.ts';
import type VipsNamespace from 'wasm-vips';
import { windowedSource } from '../../shared/vips/windowed-source.ts';

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
  const readAt = (position: number, length: number) => new Uint8Array(reader.readAsArrayBuffer(file.slice(position, position + length)));
  return windowedSource(vips, file.size, readAt, READ_WINDOW);
}

export function readHead(file: Blob, bytes = 64): Uint8Array {
  return new Uint8Array(new FileReaderSync().readAsArrayBuffer(file.slice(0, bytes)));
}
