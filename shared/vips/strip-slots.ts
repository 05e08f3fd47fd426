// Full-resolution strips decoded straight into slots of one block of the tiling instance's wasm
// memory, and handed on as views of it. wasm memory is shared (a SharedArrayBuffer): an encoder
// thread is posted the view, not a copy, and copies it into its own instance as it would any
// strip; a strip encoded in this thread is wrapped where it lies (resident-pixels.ts). On the
// 100 Mpx image this saves copying 300 MB out of wasm memory into JavaScript buffers, about
// 0.15 s of the tiling thread's CPU. (Strip memory is still touched a first time: libvips'
// decoding threads now take those page faults instead of the tiling thread.)
//
// The block has a fixed size, allocated once per instance and never freed: wasm-vips' allocator
// does not reuse a freed block this big for another size (see resident-pixels.ts), so blocks
// sized per image would grow the memory with every new image width. Until touched, its pages
// cost no memory. Strips too wide for two slots, and strips beyond the free slots, are copied
// out as before (strip-reader.ts): a full set of slots never makes the decoder wait.

import type { WasmAllocator } from './wasm-allocator.ts';

/** The block: enough for the strips in flight at 13000 px (the encoders' queue and two more). */
const BLOCK_BYTES = 96 * 2 ** 20;
/** Slots at most: strips of a narrow image are small, and more would only sit idle. */
const MAX_SLOTS = 8;

/** Views handed out by any instance's slots: whose, where, and for which image. */
const issued = new WeakMap<Uint8Array, { owner: StripSlots; ptr: number; image: number }>();

/** The address of `view` if it is a strip slot of `memory` still in use, for wrapping without a copy. */
export function slotAddress(memory: WebAssembly.Memory, view: Uint8Array): number | undefined {
  const slot = issued.get(view);
  return slot && slot.owner.memory === memory && slot.owner.isCurrent(slot.image) ? slot.ptr : undefined;
}

export class StripSlots {
  private block = 0;
  private slotBytes = 0;
  /** Counts prepare() calls: a view from an earlier image is never taken for a slot of this one. */
  private image = 0;
  /** Addresses of the free slots. */
  private free: number[] = [];

  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly allocator: WasmAllocator,
  ) {}

  /**
   * Start an image whose strips are `slotBytes` each: every slot is free again (the previous
   * image's strips are all encoded by now). Returns how many slots there are (0: none fit).
   */
  prepare(slotBytes: number): number {
    this.image++;
    const count = Math.min(MAX_SLOTS, Math.floor(BLOCK_BYTES / slotBytes));
    if (count < 2) {
      this.free = [];
      return 0;
    }
    if (!this.block) this.block = this.allocator.malloc(BLOCK_BYTES);
    if (!this.block) return 0;
    this.slotBytes = slotBytes;
    this.free = Array.from({ length: count }, (_, i) => this.block + (count - 1 - i) * slotBytes);
    return count;
  }

  isCurrent(image: number): boolean {
    return image === this.image;
  }

  /** A free slot's address, or undefined when all are in use. */
  take(): number | undefined {
    return this.free.pop();
  }

  /** Put back a slot taken but not handed on (its strip failed to decode). */
  release(ptr: number): void {
    if (!this.free.includes(ptr)) this.free.push(ptr);
  }

  /** The first `bytes` of the slot at `ptr`, as a view to hand on (see slotAddress). */
  view(ptr: number, bytes: number): Uint8Array {
    if (bytes > this.slotBytes) throw new Error(`strip of ${bytes} bytes, more than a slot's ${this.slotBytes}`);
    // memory.buffer is a new object after each growth of the wasm memory: take it each time.
    const view = new Uint8Array(this.memory.buffer, ptr, bytes);
    issued.set(view, { owner: this, ptr, image: this.image });
    return view;
  }

  /** Hand a slot back through its view; false if `view` is not one of this block's slots in use. */
  give(view: Uint8Array): boolean {
    const slot = issued.get(view);
    if (slot?.owner !== this) return false;
    issued.delete(view);
    if (slot.image === this.image && !this.free.includes(slot.ptr)) this.free.push(slot.ptr);
    return true;
  }
}
