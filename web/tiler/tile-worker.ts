// A tiling Web Worker: decodes one dropped File at a time, lazily, with its own wasm-vips,
// through the same shared tiler as the agent, hands strips to the encoder workers, and writes
// every file into an OPFS pack (web/storage/pack-writer.ts).

import * as Comlink from 'comlink';
import { PoolEncoder } from '../../shared/encode-pool/pool-encoder.ts';
import type { PortLike } from '../../shared/encode-pool/protocol.ts';
import type { ImageMetadata } from '../../shared/iiif/manifest.ts';
import type { TileOptions } from '../../shared/options.ts';
import { makeSampleImage } from '../../shared/sample-image.ts';
import { type TileEncoder, type TileProgress, localEncoder, tileImage } from '../../shared/tile-image.ts';
import { ImageInputError, WASM_FAILURE, checkHead, describeVipsError, isWasmFailure, pixelLimitMessage } from '../../shared/vips/errors.ts';
import { orientationOf, uprightSize } from '../../shared/vips/normalise.ts';
import { openDatabase } from '../storage/db.ts';
import { PackWriter, QuotaError } from '../storage/pack-writer.ts';
import type { StoredImage } from '../storage/types.ts';
import { MAX_BROWSER_FILE, fileSource, readHead } from './file-source.ts';
import { warmUp } from '../../shared/vips/warm-up.ts';
import { encodingVips, wasmMemoryOf } from '../../shared/vips/wasm-memory.ts';
import { loadBrowserVips } from './vips-browser.ts';

/** Above this, an image that must be decoded whole (progressive, interlaced, rotated) will not fit in 2 GiB of wasm memory. */
export const MAX_WHOLE_DECODE_PIXELS = 400_000_000;

export interface TileWorkerRequest {
  file: File;
  id: string;
  pack: string;
  options: TileOptions;
  metadata: ImageMetadata;
}

// Loaded and warmed up as soon as the page starts the worker, so the first image starts at once.
const vipsReady = loadBrowserVips().then((vips) => {
  warmUp(vips);
  return vips;
});
let encoder: TileEncoder | undefined;

const mpx = (pixels: number): string => `${Math.round(pixels / 1e6)} Mpx`;

async function preflight(file: File, options: TileOptions): Promise<string | undefined> {
  if (file.size > MAX_BROWSER_FILE) {
    return `${(file.size / 2 ** 30).toFixed(1)} GiB is over the 2 GiB the browser can read (the browser build of libvips seeks with a 32-bit offset); tile it with the agent: npx agent tile "${file.name}" --out DIR`;
  }
  try {
    checkHead(readHead(file), file.size, options.maxPixels);
  } catch (err) {
    return err instanceof ImageInputError ? err.message : String(err);
  }
  const vips = await vipsReady;
  const source = fileSource(vips, file);
  let img;
  try {
    img = vips.Image.newFromSource(source, '', { access: 'sequential' });
    const { width, height } = uprightSize(img);
    const pixels = width * height;
    if (pixels > options.maxPixels) return pixelLimitMessage(width, height, options.maxPixels);
    const interlaced = img.getTypeof('interlaced') !== 0 && img.getInt('interlaced') !== 0;
    const rotated = orientationOf(img) !== 1;
    if ((interlaced || rotated) && pixels > MAX_WHOLE_DECODE_PIXELS) {
      const why = interlaced ? 'a progressive JPEG or interlaced PNG must be decoded whole' : 'an EXIF-rotated image must be decoded whole';
      return `${width}x${height} (${mpx(pixels)}): ${why}, and the browser's 2 GiB of wasm memory holds about ${mpx(MAX_WHOLE_DECODE_PIXELS)}; tile it with the agent: npx agent tile "${file.name}" --out DIR`;
    }
    return undefined;
  } catch (err) {
    return describeVipsError(err);
  } finally {
    img?.delete();
    source.delete();
  }
}

async function tile(req: TileWorkerRequest, onProgress?: (p: TileProgress) => void): Promise<StoredImage> {
  const vips = await vipsReady;
  const { file } = req;
  const problem = await preflight(file, req.options);
  if (problem) throw new Error(problem);
  const writer = await PackWriter.begin({
    id: req.id,
    pack: req.pack,
    sourceName: file.name,
    sourceSize: file.size,
    sourceModified: file.lastModified,
    options: req.options,
    metadata: req.metadata,
  });
  const source = fileSource(vips, file);
  let last = 0;
  try {
    await tileImage(
      vips,
      {
        id: req.id,
        sourceName: file.name,
        sourceSize: file.size,
        sourceModified: file.lastModified,
        open: (access) => vips.Image.newFromSource(source, '', { access, fail_on: 'error' }),
        options: req.options,
        metadata: req.metadata,
        encoder: encoder ?? localEncoder(encodingVips(vips)),
        onProgress: (p) => {
          const now = performance.now();
          if (now - last > 100 || p.files === p.totalFiles) {
            last = now;
            onProgress?.(p);
          }
        },
      },
      writer,
    );
  } catch (err) {
    if (err instanceof QuotaError) throw new Error(err.message);
    const failure = new Error(err instanceof Error ? err.message : describeVipsError(err));
    // A trap or abort of wasm-vips: the page must not use this worker again (BrowserTiler).
    if (isWasmFailure(err)) failure.name = WASM_FAILURE;
    throw failure;
  } finally {
    source.delete();
  }
  const record = await (await openDatabase()).get('images', req.id);
  if (!record) throw new Error('the image record was not saved');
  return record;
}

async function sample(width: number, height: number): Promise<Uint8Array> {
  const vips = await vipsReady;
  const img = makeSampleImage(vips, width, height);
  try {
    const bytes = img.jpegsaveBuffer({ Q: 90 });
    return Comlink.transfer(bytes, [bytes.buffer]);
  } finally {
    img.delete();
  }
}

const api = {
  /** Ports to the encoder workers; this worker also encodes when they are all busy. */
  async connect(ports: MessagePort[]): Promise<void> {
    const vips = await vipsReady;
    encoder = ports.length > 0 ? new PoolEncoder(ports as unknown as PortLike[], localEncoder(encodingVips(vips))) : undefined;
  },
  ready: async (): Promise<void> => void (await vipsReady),
  /** The size of this worker's wasm memory now (BrowserTiler replaces big ones). */
  wasmBytes: async (): Promise<number> => wasmMemoryOf(await vipsReady)?.buffer.byteLength ?? 0,
  preflight,
  tile,
  sample,
};

export type TileWorkerApi = typeof api;
Comlink.expose(api);
