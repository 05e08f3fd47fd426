// Tile one image: open it lazily, normalise its pixels, stream it through the pyramid, encode
// every tile and whole-level image, then write info.json and the manifest and publish.
// The same function runs in the agent and in the browser; only the opener and the writer differ.

import { tileGeometry, tilePath } from './iiif/geometry.ts';
import { buildInfoJson, infoContentType } from './iiif/info.ts';
import { type ImageMetadata, PRESENTATION_CONTENT_TYPE, buildManifest, serviceIdFor } from './iiif/manifest.ts';
import { type ImagePlan, type WholeLevelFile, planImage, tileKey } from './iiif/plan.ts';
import { type TileOptions, mimeTypeOf } from './options.ts';
import { BufferPool, type PixelBuffers } from './pyramid/buffer-pool.ts';
import type { Pixels } from './pyramid/pixels.ts';
import { type PyramidConsumer, StripPyramid } from './pyramid/strip-pyramid.ts';
import type { ImageStamp, ImageWriter } from './sink.ts';
import { STAMP_FILE } from './sink.ts';
import { type EncodeSettings, encodePixels, encodeStripTiles } from './vips/encode.ts';
import { ImageInputError, describeVipsError, pixelLimitMessage } from './vips/errors.ts';
import { normalise, orientationOf, uprightSize } from './vips/normalise.ts';
import { type StripReader, stripReader } from './vips/strip-reader.ts';
import type { Vips, VipsImage } from './vips/types.ts';
import { yieldToEventLoop } from './yield.ts';

export const TOOL = 'tessella/0.1';

/**
 * Encodes pixels into files. Local by default; a pool of workers can stand behind it. The
 * encoder may take ownership of the pixel buffers (transfer them to another thread); when it
 * is done, a strip's `data` is the buffer again, or a detached one if it did not come back.
 */
export interface TileEncoder {
  stripTiles(strip: Pixels, tileWidth: number, settings: EncodeSettings): Promise<Uint8Array[]> | Uint8Array[];
  whole(pixels: Pixels, settings: EncodeSettings): Promise<Uint8Array> | Uint8Array;
  /** How many encodes may be in flight at once (1 when absent: one after the other). */
  readonly capacity?: number;
}

/** Runs async tasks with at most `limit` in flight; the first failure is rethrown. */
class InFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.check();
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.check();
  }

  /** Wait for everything in flight, ignoring failures (before throwing work away). */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** Tile files being written at once (each a few tens of KB). */
const WRITES_IN_FLIGHT = 64;

export function localEncoder(vips: Vips): TileEncoder {
  return {
    stripTiles: (strip, tileWidth, settings) => encodeStripTiles(vips, strip, tileWidth, settings),
    whole: (pixels, settings) => encodePixels(vips, pixels, settings),
  };
}

export interface TileProgress {
  files: number;
  totalFiles: number;
  bytes: number;
}

export interface TileImageRequest {
  id: string;
  /** The file name shown in messages and recorded in the stamp. */
  sourceName: string;
  sourceSize: number;
  sourceModified: number;
  /**
   * Open the source: 'sequential' for one top-to-bottom read (the normal case), 'random' when
   * the pixels must be reordered (EXIF rotation). Throws on unreadable input.
   */
  open(access: 'sequential' | 'random'): VipsImage;
  options: TileOptions;
  metadata?: ImageMetadata;
  encoder?: TileEncoder;
  onProgress?(p: TileProgress): void;
  signal?: AbortSignal;
}

export interface TileImageResult {
  id: string;
  width: number;
  height: number;
  levels: number;
  files: number;
  bytes: number;
  plan: ImagePlan;
}

/** The options that change tile files or info.json: a change in any of them means retiling. */
export function stampOptions(o: TileOptions): Record<string, unknown> {
  return { baseUrl: o.baseUrl, iiifVersion: o.iiifVersion, tileSize: o.tileSize, format: o.format, quality: o.quality, maxSize: o.maxSize };
}

const encoder = new TextEncoder();
export const jsonBytes = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

export async function tileImage(vips: Vips, req: TileImageRequest, writer: ImageWriter): Promise<TileImageResult> {
  const { options } = req;
  const settings: EncodeSettings = { format: options.format, quality: options.quality };
  const tileEncoder = req.encoder ?? localEncoder(vips);
  const created: VipsImage[] = [];
  let inFlight: InFlight | undefined;
  let writes: InFlight | undefined;
  let reader: StripReader | undefined;
  const releaseDecoder = (): void => {
    reader?.dispose();
    for (const img of created.splice(0).reverse()) if (!img.isDeleted()) img.delete();
  };
  try {
    let source: VipsImage;
    try {
      source = req.open('sequential');
      if (orientationOf(source) !== 1) {
        // Rotation reads the pixels out of order: reopen for random access.
        source.delete();
        source = req.open('random');
      }
    } catch (err) {
      throw new ImageInputError(describeVipsError(err), { cause: err });
    }
    created.push(source);
    const size = uprightSize(source);
    const pixels = size.width * size.height;
    if (pixels > options.maxPixels) {
      throw new ImageInputError(pixelLimitMessage(size.width, size.height, options.maxPixels));
    }
    let norm: VipsImage;
    try {
      const n = normalise(source, options.format);
      created.push(...n.created);
      norm = n.image;
    } catch (err) {
      throw new ImageInputError(describeVipsError(err), { cause: err });
    }

    const plan = planImage(size, options);
    const mime = mimeTypeOf(options.format);
    let files = 0;
    let bytes = 0;
    const count = (data: Uint8Array): void => {
      files++;
      bytes += data.byteLength;
      req.onProgress?.({ files, totalFiles: plan.fileCount, bytes });
    };
    // Files are written in the background, many at once, so that encoding never waits for
    // the file system (or the network); the queue is bounded, so memory is too.
    writes = new InFlight(WRITES_IN_FLIGHT);
    const writing = writes;
    const putAs = (path: string, data: Uint8Array, type: string): Promise<void> =>
      writing.add(async () => {
        await writer.put(path, data, type);
        count(data);
      });
    const put = (path: string, data: Uint8Array): Promise<void> => putAs(path, data, mime);
    // Strip buffers go round: decoded or halved into, encoded, given back (buffer-pool.ts);
    // full-resolution strips mostly stay in wasm memory (strip-slots.ts) and go back there.
    const pool = new BufferPool();
    const strips = stripReader(vips, norm, plan.tile.height, pool);
    reader = strips;
    const buffers: PixelBuffers = { take: (bytes) => pool.take(bytes), give: (data) => strips.give(data) };
    // Encodes run ahead while the next strips decode, as many as the encoder takes; files
    // are put as they come back. Tile paths never depend on the order of completion.
    inFlight = new InFlight(tileEncoder.capacity ?? 1);
    const running = inFlight;
    const consumer: PyramidConsumer = {
      strip(levelIndex: number, row: number, strip: Pixels) {
        const level = plan.levels[levelIndex]!;
        return running.add(async () => {
          const encoded = await tileEncoder.stripTiles(strip, plan.tile.width, settings);
          buffers.give(strip.data);
          for (let column = 0; column < encoded.length; column++) {
            if (plan.shadowedTiles.has(tileKey(levelIndex, column, row))) continue;
            const t = tileGeometry(plan.image, plan.tile, level, column, row);
            await put(tilePath(options.iiifVersion, plan.image, t, options.format), encoded[column]!);
          }
        });
      },
      whole(file: WholeLevelFile, px: Pixels) {
        // Copy the pixels for the JPEG first: a pool encoder takes the original away.
        const jpeg = file.jpegPaths.length > 0 ? { pixels: { ...px, data: px.data.slice() } } : undefined;
        return running.add(async () => {
          const data = await tileEncoder.whole(px, settings);
          for (const path of file.paths) await put(path, data);
          if (jpeg) {
            const copy = await tileEncoder.whole(jpeg.pixels, { format: 'jpg', quality: settings.quality });
            for (const path of file.jpegPaths) await putAs(path, copy, 'image/jpeg');
          }
        });
      },
    };
    const pyramid = new StripPyramid(plan, consumer, norm.bands, buffers);
    for (let top = 0; top < size.height; top += plan.tile.height) {
      if (req.signal?.aborted) throw new Error('cancelled');
      await yieldToEventLoop();
      let strip: Pixels;
      const height = Math.min(plan.tile.height, size.height - top);
      try {
        strip = reader.read(top, height);
      } catch (err) {
        throw new ImageInputError(describeVipsError(err), { cause: err });
      }
      // The last strip is read: free the decoder and the input (a copy of the whole file in
      // wasm memory when opened by name) now, so that the whole levels encoded next reuse that
      // memory instead of growing the instance's (fresh pages cost page faults at the end).
      if (top + height >= size.height) releaseDecoder();
      await pyramid.push(strip);
    }
    pyramid.finish();
    await inFlight.drain();
    await writes.drain();

    const serviceId = serviceIdFor(options.baseUrl, req.id);
    await writer.put('info.json', jsonBytes(buildInfoJson(serviceId, plan, options.iiifVersion, options.format)), infoContentType(options.iiifVersion));
    const manifest = buildManifest({ id: req.id, baseUrl: options.baseUrl, plan, version: options.iiifVersion, format: options.format, metadata: req.metadata });
    await writer.put('manifest.json', jsonBytes(manifest), PRESENTATION_CONTENT_TYPE);
    const stamp: ImageStamp = {
      tool: TOOL,
      source: { name: req.sourceName, size: req.sourceSize, modified: req.sourceModified },
      options: stampOptions(options),
      width: size.width,
      height: size.height,
      levels: plan.levels.length,
      files,
      bytes,
    };
    await writer.put(STAMP_FILE, jsonBytes(stamp), 'application/json');
    await writer.commit();
    return { id: req.id, width: size.width, height: size.height, levels: plan.levels.length, files, bytes, plan };
  } catch (err) {
    // Encodes still in flight would write into the writer after it is gone: let them land first.
    await inFlight?.settle();
    await writes?.settle();
    await writer.abort().catch(() => undefined);
    throw err;
  } finally {
    releaseDecoder();
  }
}
