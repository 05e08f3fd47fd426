// Every vips object is freed, and memory follows the image width, not its height.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTileJob } from '../agent/lib/tile-job.ts';
import { loadVips } from '../agent/lib/vips.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { expectBackTo, settled } from './helpers/vips-stats.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-memory-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noise = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });

describe('vips objects', () => {
  it('thousands of tiles leave no allocation behind', async () => {
    const file = join(dir, 'many.jpg');
    await noise(4000, 3000).jpeg().toFile(file);
    const vips = await loadVips();
    const options = resolveTileOptions({ tileSize: 64, maxSize: 512 });
    const job = (n: number) => ({ id: `many-${n}`, path: file, outDir: join(dir, 'out'), options });
    const first = await runTileJob(vips, job(1));
    expect(first.files).toBeGreaterThan(3000);
    const allocations = await settled(vips.Stats.allocations);
    const mem = await settled(vips.Stats.mem);
    await runTileJob(vips, job(2));
    // A second image of thousands of tiles: nothing more is held than after the first.
    await expectBackTo(vips.Stats.allocations, allocations);
    await expectBackTo(vips.Stats.mem, mem);
    // A failure half-way frees everything too.
    const truncated = join(dir, 'truncated.jpg');
    const bytes = await noise(2000, 2000).jpeg().toBuffer();
    writeFileSync(truncated, bytes.subarray(0, bytes.length / 2));
    await expect(runTileJob(vips, { ...job(3), path: truncated })).rejects.toThrow(/truncated/);
    await expectBackTo(vips.Stats.allocations, allocations);
  });
});

describe('memory', () => {
  it('grows with the width of the image, not its height', async () => {
    const short = join(dir, 'short.jpg');
    const tall = join(dir, 'tall.jpg');
    await noise(3000, 500).jpeg().toFile(short);
    await noise(3000, 12000).jpeg().toFile(tall);
    const options = resolveTileOptions({ maxSize: 1024 });
    const highwater = async (file: string): Promise<number> => {
      const vips = await loadVips();
      await runTileJob(vips, { id: 'm', path: file, outDir: join(dir, `hw-${file.length}-${Math.random()}`), options });
      return vips.Stats.memHighwater();
    };
    const hShort = await highwater(short);
    const hTall = await highwater(tall);
    console.log(`vips memory high-water mark: 3000x500 ${hShort} bytes, 3000x12000 ${hTall} bytes`);
    // 24 times the pixels, about the same working memory (a decoded strip is ~2.3 MB here).
    expect(hTall).toBeLessThan(hShort * 1.5 + 8e6);
  });
});
