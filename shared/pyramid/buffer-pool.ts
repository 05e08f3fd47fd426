// Pixel buffers used again instead of allocated afresh for every strip.
//
// A new 10 MB buffer per strip (13000 px wide) is 2,500 fresh pages for the system to zero and
// map in, and as many to unmap when it is collected: on the 100 Mpx image about 70,000 page
// faults and 0.3 s of system time in the tiling thread alone, plus the zeroing. Strips of a level
// all have the same size (the last one aside), so a buffer given back is taken again soon.

/** Where strip buffers come from and go back to. */
export interface PixelBuffers {
  take(bytes: number): Uint8Array;
  give(buffer: Uint8Array): void;
}

export class BufferPool implements PixelBuffers {
  private readonly free = new Map<number, Uint8Array[]>();

  /** A buffer of exactly `bytes`, alone in its ArrayBuffer (transferable). Its content is stale. */
  take(bytes: number): Uint8Array {
    return this.free.get(bytes)?.pop() ?? new Uint8Array(bytes);
  }

  /**
   * Hand a buffer back once nothing reads or writes it any more. Buffers transferred away
   * (detached, length 0) and views into larger buffers are ignored.
   */
  give(buffer: Uint8Array): void {
    const bytes = buffer.byteLength;
    if (bytes === 0 || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== bytes) return;
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    if (!list.includes(buffer)) list.push(buffer);
  }

  /** Bytes waiting to be taken again. */
  get pooledBytes(): number {
    let sum = 0;
    for (const [bytes, list] of this.free) sum += bytes * list.length;
    return sum;
  }
}
