import { expect, vi } from 'vitest';

/**
 * libvips' threads hold buffers of their own and free them a moment after the call that used them
 * has returned (CI saw 193 such allocations, before the measured work in one run and after it in
 * another). So a count is read only once it has settled, and a later count may take a moment to
 * come back down. A real leak never does.
 */
export async function settled(read: () => number): Promise<number> {
  let last = read();
  for (let stable = 0, tries = 0; stable < 5 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

/** Waits up to 5 s for `read()` to come back to at most `limit`. */
export async function expectBackTo(read: () => number, limit: number): Promise<void> {
  await vi.waitFor(() => expect(read()).toBeLessThanOrEqual(limit), { timeout: 5_000, interval: 50 });
}
