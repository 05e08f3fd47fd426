// One sequential pass builds every level: full-resolution strips one tile high go in at the
// top; each strip is shrunk 2x2 into the next level's strip as it arrives and handed on for
// tiling at once, so no level holds a strip of its own waiting for the next one (at 36000 px
// wide a full-resolution strip is 27.6 MB). Memory grows with the image width, not its height.

import type { ImagePlan, WholeLevelFile } from '../iiif/plan.ts';
import type { PixelBuffers } from './buffer-pool.ts';
import { type Pixels, allocPixels, halveRow } from './pixels.ts';

/**
 * Receives the pyramid's output. It owns the pixel buffers it is given: it may keep or transfer
 * them, and gives strips back to the pyramid's pool (if any) once they are encoded.
 */
export interface PyramidConsumer {
  /** Row `row` of tiles of a tiled level: a strip one tile high (shorter at the bottom). */
  strip(level: number, row: number, pixels: Pixels): Promise<void> | void;
  /** A level written as one whole image (sizes, full/max, single-tile levels). */
  whole(file: WholeLevelFile, pixels: Pixels): Promise<void> | void;
}

interface LevelState {
  rowsSeen: number;
  stripIndex: number;
  /** The next level's strip being filled from this level's rows, and its rows done so far. */
  next?: { pixels: Pixels; rows: number };
  /** Rows of the next level made so far (the next level's strips start every tile height). */
  rowsMade: number;
  /** With an odd tile height: this level's last row, waiting for its partner in the next strip. */
  carry?: Uint8Array;
  whole?: { file: WholeLevelFile; pixels: Pixels };
}

export class StripPyramid {
  private readonly states: LevelState[];
  private finished = false;

  constructor(
    private readonly plan: ImagePlan,
    private readonly consumer: PyramidConsumer,
    readonly bands: number,
    /** Where the strips of the smaller levels come from (fresh buffers without one). */
    private readonly buffers?: PixelBuffers,
  ) {
    const wholeByLevel = new Map(plan.wholeLevels.map((w) => [w.level, w]));
    this.states = plan.levels.map((level) => {
      const file = wholeByLevel.get(level.index);
      return {
        rowsSeen: 0,
        stripIndex: 0,
        rowsMade: 0,
        whole: file ? { file, pixels: allocPixels(level.width, level.height, bands) } : undefined,
      };
    });
  }

  /** Height of the full-resolution strip expected next (0 when the image is complete). */
  nextStripHeight(): number {
    const seen = this.states[0]!.rowsSeen;
    return Math.min(this.plan.tile.height, this.plan.image.height - seen);
  }

  /** Feed the next full-resolution strip, top to bottom. The pyramid owns its buffer from now on. */
  async push(strip: Pixels): Promise<void> {
    const expected = this.nextStripHeight();
    if (strip.width !== this.plan.image.width || strip.height !== expected || strip.bands !== this.bands) {
      throw new Error(
        `strip of ${strip.width}x${strip.height}x${strip.bands} where ${this.plan.image.width}x${expected}x${this.bands} was expected`,
      );
    }
    await this.pushLevel(0, strip);
  }

  private async pushLevel(index: number, strip: Pixels): Promise<void> {
    const level = this.plan.levels[index]!;
    const state = this.states[index]!;
    const row = state.stripIndex++;
    const top = state.rowsSeen;
    state.rowsSeen += strip.height;
    const complete = state.rowsSeen === level.height;

    if (state.whole) state.whole.pixels.data.set(strip.data, top * level.width * this.bands);

    const tiled = this.plan.tiledLevels.has(index);
    const last = index === this.plan.levels.length - 1;
    // Shrink first: the consumer may transfer the strip's buffer away.
    const ready = last ? undefined : this.shrink(index, strip, complete);
    if (tiled) await this.consumer.strip(index, row, strip);
    else this.buffers?.give(strip.data);
    if (ready) await this.pushLevel(index + 1, ready);
    if (complete && state.whole) {
      const { file, pixels } = state.whole;
      state.whole = undefined;
      await this.consumer.whole(file, pixels);
    }
  }

  /**
   * Shrink the rows of a strip of level `index` into the next level's strip; returns that strip
   * once it is complete. Rows pair up within the strip, or across two strips when the tile
   * height is odd; a lone last row of the level is averaged with itself.
   */
  private shrink(index: number, strip: Pixels, complete: boolean): Pixels | undefined {
    const state = this.states[index]!;
    const { width, height, bands, data } = strip;
    const stride = width * bands;
    let ready: Pixels | undefined;
    const emit = (s0: Uint8Array, r0: number, s1: Uint8Array, r1: number): void => {
      if (ready) throw new Error(`level ${index}: more rows than one strip of the next level`);
      const next = (state.next ??= this.startNext(index));
      halveRow(next.pixels.data, next.rows * next.pixels.width * bands, s0, r0, s1, r1, width, bands);
      next.rows++;
      state.rowsMade++;
      if (next.rows === next.pixels.height) {
        ready = next.pixels;
        state.next = undefined;
      }
    };
    let y = 0;
    if (state.carry) {
      emit(state.carry, 0, data, 0);
      state.carry = undefined;
      y = 1;
    }
    for (; y + 1 < height; y += 2) emit(data, y * stride, data, (y + 1) * stride);
    if (y < height) {
      if (complete) emit(data, y * stride, data, y * stride);
      else state.carry = data.slice(y * stride, (y + 1) * stride);
    }
    if (complete && state.next) throw new Error(`level ${index + 1} got ${state.rowsMade} of ${this.plan.levels[index + 1]!.height} rows`);
    return ready;
  }

  private startNext(index: number): { pixels: Pixels; rows: number } {
    const next = this.plan.levels[index + 1]!;
    const rows = Math.min(this.plan.tile.height, next.height - this.states[index]!.rowsMade);
    // Every byte is written by halving before the strip is handed on: a used buffer will do.
    const bytes = next.width * rows * this.bands;
    const data = this.buffers ? this.buffers.take(bytes) : new Uint8Array(bytes);
    return { pixels: { width: next.width, height: rows, bands: this.bands, data }, rows: 0 };
  }

  /** Check that every level received all its rows. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.plan.levels.forEach((level, i) => {
      const seen = this.states[i]!.rowsSeen;
      if (seen !== level.height) throw new Error(`level ${i} got ${seen} of ${level.height} rows`);
    });
  }
}
