// One sequential pass builds every level: full-resolution strips one tile high go in at the
// top; each level keeps at most two strips, shrinks them 2x2 into one strip of the next level,
// and hands its strips on for tiling. Memory grows with the image width, not its height.

import type { ImagePlan, WholeLevelFile } from '../iiif/plan.ts';
import { type Pixels, allocPixels, halve } from './pixels.ts';

/** Receives the pyramid's output. It may keep (or transfer) the pixel buffers it is given. */
export interface PyramidConsumer {
  /** Row `row` of tiles of a tiled level: a strip one tile high (shorter at the bottom). */
  strip(level: number, row: number, pixels: Pixels): Promise<void> | void;
  /** A level written as one whole image (sizes, full/max, single-tile levels). */
  whole(file: WholeLevelFile, pixels: Pixels): Promise<void> | void;
}

interface LevelState {
  rowsSeen: number;
  stripIndex: number;
  pending: Pixels[];
  whole?: { file: WholeLevelFile; pixels: Pixels };
}

export class StripPyramid {
  private readonly states: LevelState[];
  private finished = false;

  constructor(
    private readonly plan: ImagePlan,
    private readonly consumer: PyramidConsumer,
    readonly bands: number,
  ) {
    const wholeByLevel = new Map(plan.wholeLevels.map((w) => [w.level, w]));
    this.states = plan.levels.map((level) => {
      const file = wholeByLevel.get(level.index);
      return {
        rowsSeen: 0,
        stripIndex: 0,
        pending: [],
        whole: file ? { file, pixels: allocPixels(level.width, level.height, bands) } : undefined,
      };
    });
  }

  /** Height of the full-resolution strip expected next (0 when the image is complete). */
  nextStripHeight(): number {
    const seen = this.states[0]!.rowsSeen;
    return Math.min(this.plan.tile.height, this.plan.image.height - seen);
  }

  /** Feed the next full-resolution strip, top to bottom. */
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
    if (last) {
      if (tiled) await this.consumer.strip(index, row, strip);
    } else {
      // Two strips of this level make one strip of the next; the strips are handed on only
      // after the shrink, because the consumer may transfer their buffers away.
      state.pending.push(strip);
      if (state.pending.length === 2 || complete) {
        const [a, b] = state.pending as [Pixels, Pixels | undefined];
        state.pending = [];
        const next = halve(a, b);
        if (tiled) {
          await this.consumer.strip(index, row - (b ? 1 : 0), a);
          if (b) await this.consumer.strip(index, row, b);
        }
        await this.pushLevel(index + 1, next);
      }
    }
    if (complete && state.whole) {
      const { file, pixels } = state.whole;
      state.whole = undefined;
      await this.consumer.whole(file, pixels);
    }
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
