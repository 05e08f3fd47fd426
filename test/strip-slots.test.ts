// Slots of one block of wasm memory for full-resolution strips (strip-slots.ts): how many, handed
// out and back, never two strips in one slot, and no slot taken back from an earlier image.
import { describe, expect, it } from 'vitest';
import { StripSlots, slotAddress } from '../shared/vips/strip-slots.ts';

const BLOCK = 96 * 2 ** 20;

/** A shared memory as wasm-vips makes it, and an allocator that hands out one address. */
function setup(at = 4096) {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 1600, shared: true });
  const calls: number[] = [];
  const allocator = {
    malloc: (size: number) => {
      calls.push(size);
      // The slots' views must lie inside the memory: grow it to hold the block.
      const pages = Math.ceil((at + size) / 65536) - memory.buffer.byteLength / 65536;
      if (pages > 0) memory.grow(pages);
      return at;
    },
    free: () => undefined,
  };
  return { memory, calls, slots: new StripSlots(memory, allocator) };
}

describe('StripSlots', () => {
  it('makes at most eight slots, at least two, from one block allocated once', () => {
    const { slots, calls } = setup();
    expect(slots.prepare(1000)).toBe(8);
    expect(slots.prepare(BLOCK / 3)).toBe(3);
    expect(slots.prepare(BLOCK / 2 + 1)).toBe(0);
    expect(slots.prepare(10_000)).toBe(8);
    expect(calls).toEqual([BLOCK]);
  });

  it('has no slots when the block cannot be allocated', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const slots = new StripSlots(memory, { malloc: () => 0, free: () => undefined });
    expect(slots.prepare(1000)).toBe(0);
    expect(slots.take()).toBeUndefined();
  });

  it('hands out distinct slots inside the block, takes them back, and the last one given is the next taken', () => {
    const { slots, memory } = setup();
    slots.prepare(1000);
    const taken = Array.from({ length: 8 }, () => slots.take()!);
    expect(slots.take()).toBeUndefined();
    expect(new Set(taken).size).toBe(8);
    for (const ptr of taken) expect(ptr >= 4096 && ptr + 1000 <= 4096 + BLOCK).toBe(true);
    const view = slots.view(taken[3]!, 600);
    expect([view.byteOffset, view.byteLength, view.buffer instanceof SharedArrayBuffer]).toEqual([taken[3], 600, true]);
    expect(slotAddress(memory, view)).toBe(taken[3]);
    expect(slots.give(view)).toBe(true);
    // Given back: no longer wrapped in place, and given twice, still one free slot.
    expect(slotAddress(memory, view)).toBeUndefined();
    expect(slots.give(view)).toBe(false);
    expect(slots.take()).toBe(taken[3]);
    expect(slots.take()).toBeUndefined();
    slots.release(taken[5]!);
    expect(slots.take()).toBe(taken[5]);
    expect(() => slots.view(taken[0]!, 1001)).toThrow(/more than a slot/);
  });

  it('does not take back, or wrap, a slot of an earlier image, nor a view it did not hand out', () => {
    const { slots, memory } = setup();
    slots.prepare(1000);
    const stale = slots.view(slots.take()!, 1000);
    slots.prepare(1000);
    expect(slotAddress(memory, stale)).toBeUndefined();
    slots.give(stale);
    const taken = Array.from({ length: 9 }, () => slots.take());
    expect(taken[8]).toBeUndefined();
    expect(new Set(taken.slice(0, 8)).size).toBe(8);
    const other = setup();
    other.slots.prepare(1000);
    const foreign = other.slots.view(other.slots.take()!, 1000);
    expect(slotAddress(memory, foreign)).toBeUndefined();
    expect(slots.give(foreign)).toBe(false);
    expect(slots.give(new Uint8Array(memory.buffer, 4096, 1000))).toBe(false);
  });
});
