// The tiler's side of the encoder pool: sends strips to the least busy encoder port and
// resolves with the encoded files. Its capacity bounds the strips in flight (backpressure).

import type { Pixels } from '../pyramid/pixels.ts';
import type { TileEncoder } from '../tile-image.ts';
import type { EncodeSettings } from '../vips/encode.ts';
import { type EncodeReply, type EncodeRequest, type PortLike, isShared } from './protocol.ts';

/** `data` alone in its buffer (a copy when it is a view into a larger one), so it can be transferred. */
const alone = (data: Uint8Array): Uint8Array => (data.byteOffset === 0 && data.buffer.byteLength === data.byteLength ? data : data.slice());

interface Pending {
  resolve(files: Uint8Array[]): void;
  reject(err: Error): void;
  /** What was sent: its `data` is the buffer again once the encoder sends it back. */
  pixels: Pixels;
}

/**
 * Pixels that may wait at one encoder: enough that it never idles while the decoding thread is
 * busy with a strip of its own (six 13000-px strips), few enough to bound memory (two strips
 * of a 36000-px image).
 */
export const QUEUED_BYTES_PER_ENCODER = 64 * 2 ** 20;
/** Strips that may wait at one encoder, however small (the narrow levels of a pyramid). */
const QUEUED_STRIPS_PER_ENCODER = 8;

export class PoolEncoder implements TileEncoder {
  private nextId = 1;
  private readonly pending = new Map<number, Pending & { port: number; bytes: number }>();
  private readonly strips: number[];
  private readonly bytes: number[];
  readonly capacity: number;

  /**
   * Strips go to the encoder with the least work waiting, up to a budget per encoder. With a
   * `local` encoder, the calling thread encodes a strip itself when every encoder is at its
   * budget: the decoding thread then fills its idle time instead of waiting.
   */
  constructor(
    private readonly ports: PortLike[],
    private readonly local?: TileEncoder,
    private readonly queuedBytes = QUEUED_BYTES_PER_ENCODER,
  ) {
    if (ports.length === 0) throw new Error('PoolEncoder needs at least one encoder port');
    this.strips = ports.map(() => 0);
    this.bytes = ports.map(() => 0);
    // One more than the encoders hold: that strip is the one this thread encodes itself.
    this.capacity = ports.length * QUEUED_STRIPS_PER_ENCODER + (local ? 1 : 0);
    ports.forEach((port) => {
      port.addEventListener('message', (event) => this.settle(event.data as EncodeReply));
      port.start?.();
    });
  }

  private settle(reply: EncodeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.strips[p.port]!--;
    this.bytes[p.port]! -= p.bytes;
    if ('error' in reply) p.reject(new Error(reply.error));
    else {
      if (reply.pixels) p.pixels.data = reply.pixels;
      p.resolve(reply.files);
    }
  }

  /** The encoder with the least work waiting that can take `bytes` more, if any. */
  private pick(bytes: number): number | undefined {
    let best: number | undefined;
    for (let i = 0; i < this.ports.length; i++) {
      const fits = this.strips[i] === 0 || (this.strips[i]! < QUEUED_STRIPS_PER_ENCODER && this.bytes[i]! + bytes <= this.queuedBytes);
      if (fits && (best === undefined || this.bytes[i]! < this.bytes[best]!)) best = i;
    }
    return best;
  }

  private send(port: number, make: (id: number) => EncodeRequest, pixels: Pixels): Promise<Uint8Array[]> {
    const id = this.nextId++;
    const bytes = pixels.data.byteLength;
    this.strips[port]!++;
    this.bytes[port]! += bytes;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, port, bytes, pixels });
      // Shared memory (a strip slot) is posted as it is; other pixels are transferred.
      const shared = isShared(pixels.data);
      if (!shared) pixels.data = alone(pixels.data);
      this.ports[port]!.postMessage(make(id), shared ? [] : [pixels.data.buffer as ArrayBuffer]);
    });
  }

  stripTiles(strip: Pixels, tileWidth: number, settings: EncodeSettings): Promise<Uint8Array[]> | Uint8Array[] {
    const port = this.pick(strip.data.byteLength);
    if (port === undefined && this.local) return this.local.stripTiles(strip, tileWidth, settings);
    return this.send(port ?? this.leastLoaded(), (id) => ({ kind: 'tiles', id, pixels: strip, tileWidth, settings }), strip);
  }

  /**
   * Whole levels (sizes, full/max) are encoded by the tiling thread when it can. They come last,
   * when every level is complete, and the tiling thread often has time then. Above all, a whole
   * image of up to max-size² makes libjpeg allocate its coefficients in one block of that size
   * (optimised Huffman tables need them all), and wasm-vips' allocator does not reuse a freed
   * block of one size for another: over a batch of images of many sizes an instance that
   * encodes whole levels keeps growing. The tiling workers are replaced when they have grown
   * (TilePool); encoders serve every tiling worker and are not, so they only take strips.
   */
  async whole(pixels: Pixels, settings: EncodeSettings): Promise<Uint8Array> {
    if (this.local) return this.local.whole(pixels, settings);
    const port = this.pick(pixels.data.byteLength);
    const [file] = await this.send(port ?? this.leastLoaded(), (id) => ({ kind: 'whole', id, pixels, settings }), pixels);
    return file!;
  }

  private leastLoaded(): number {
    let best = 0;
    for (let i = 1; i < this.ports.length; i++) if (this.bytes[i]! < this.bytes[best]!) best = i;
    return best;
  }
}
