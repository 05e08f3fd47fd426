// The tiler's side of the encoder pool: sends strips to the least busy encoder port and
// resolves with the encoded files. Its capacity bounds the strips in flight (backpressure).

import type { Pixels } from '../pyramid/pixels.ts';
import type { TileEncoder } from '../tile-image.ts';
import type { EncodeSettings } from '../vips/encode.ts';
import type { EncodeReply, EncodeRequest, PortLike } from './protocol.ts';

/** Make sure the pixels sit alone in a transferable buffer (not a view into a larger one). */
function ownBuffer(pixels: Pixels): Uint8Array {
  const d = pixels.data;
  if (d.byteOffset !== 0 || d.buffer.byteLength !== d.byteLength || !(d.buffer instanceof ArrayBuffer)) pixels.data = d.slice();
  return pixels.data;
}

interface Pending {
  resolve(files: Uint8Array[]): void;
  reject(err: Error): void;
}

export class PoolEncoder implements TileEncoder {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  readonly capacity: number;

  /**
   * `perPort` strips may wait at each encoder, so that none idles while the next one travels.
   * With a `local` encoder, the calling thread encodes a strip itself whenever every encoder
   * already has work queued: the decoding thread then fills its idle time instead of waiting.
   */
  constructor(
    private readonly ports: PortLike[],
    perPort = 2,
    private readonly local?: TileEncoder,
  ) {
    if (ports.length === 0) throw new Error('PoolEncoder needs at least one encoder port');
    this.load = ports.map(() => 0);
    // One more than the encoders hold: that strip is the one this thread encodes itself.
    this.capacity = ports.length * perPort + (local ? 1 : 0);
    ports.forEach((port, index) => {
      port.addEventListener('message', (event) => this.settle(index, event.data as EncodeReply));
      port.start?.();
    });
  }

  private settle(index: number, reply: EncodeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.load[index]!--;
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(reply.files);
  }

  private send(make: (id: number) => EncodeRequest, pixels: Pixels): Promise<Uint8Array[]> {
    const id = this.nextId++;
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    this.load[best]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ports[best]!.postMessage(make(id), [ownBuffer(pixels).buffer]);
    });
  }

  private allBusy(): boolean {
    return this.load.every((n) => n > 0);
  }

  stripTiles(strip: Pixels, tileWidth: number, settings: EncodeSettings): Promise<Uint8Array[]> | Uint8Array[] {
    if (this.local && this.allBusy()) return this.local.stripTiles(strip, tileWidth, settings);
    return this.send((id) => ({ kind: 'tiles', id, pixels: strip, tileWidth, settings }), strip);
  }

  async whole(pixels: Pixels, settings: EncodeSettings): Promise<Uint8Array> {
    const [file] = await this.send((id) => ({ kind: 'whole', id, pixels, settings }), pixels);
    return file!;
  }
}
