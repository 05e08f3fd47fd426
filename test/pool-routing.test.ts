// How the tiler shares strips between encoder threads and itself: encoders get work up to a
// byte budget, the tiling thread takes what is over it, and replies are seen while it decodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTileJob } from '../agent/lib/tile-job.ts';
import { loadVips } from '../agent/lib/vips.ts';
import { PoolEncoder } from '../shared/encode-pool/pool-encoder.ts';
import type { EncodeReply, EncodeRequest, PortLike } from '../shared/encode-pool/protocol.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { type TileEncoder, localEncoder } from '../shared/tile-image.ts';
import type { Vips } from '../shared/vips/types.ts';
import { encodePixels, encodeStripTiles } from '../shared/vips/encode.ts';

let dir: string;
let vips: Vips;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-routing-'));
  vips = await loadVips();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An encoder on the other end of a port, as an encoder thread is, but answering in this thread:
 * each request is encoded, and answered, on a later turn of the event loop.
 */
function encoderPort(): PortLike & { received: number } {
  let listener: (event: { data: unknown }) => void = () => undefined;
  const port = {
    received: 0,
    postMessage(message: unknown) {
      const req = message as EncodeRequest;
      port.received++;
      setImmediate(() => {
        const files = req.kind === 'tiles' ? encodeStripTiles(vips, req.pixels, req.tileWidth, req.settings) : [encodePixels(vips, req.pixels, req.settings)];
        listener({ data: { id: req.id, files } satisfies EncodeReply });
      });
    },
    addEventListener(_type: 'message', l: (event: { data: unknown }) => void) {
      listener = l;
    },
  };
  return port;
}

function countingLocal(): TileEncoder & { strips: number } {
  const local = localEncoder(vips);
  const counting = {
    strips: 0,
    stripTiles: (...args: Parameters<TileEncoder['stripTiles']>) => {
      counting.strips++;
      return local.stripTiles(...args);
    },
    whole: local.whole,
  };
  return counting;
}

const strip = (width: number, height: number) => ({ width, height, bands: 3, data: new Uint8Array(width * height * 3) });
const settings = { format: 'jpg', quality: 85 } as const;

describe('encoder pool routing', () => {
  it('queues strips at an encoder up to its byte budget, then encodes here', () => {
    const port = encoderPort();
    const local = countingLocal();
    const bytes = 512 * 256 * 3;
    const pool = new PoolEncoder([port], local, 3 * bytes);
    const results = Array.from({ length: 5 }, () => pool.stripTiles(strip(512, 256), 256, settings));
    expect(port.received).toBe(3);
    expect(local.strips).toBe(2);
    expect(results.slice(0, 3).every((r) => r instanceof Promise)).toBe(true);
    expect(results.slice(3).every((r) => Array.isArray(r) && r.length === 2)).toBe(true);
  });

  it('always lets one strip wait at an idle encoder, however big', async () => {
    const port = encoderPort();
    const local = countingLocal();
    const pool = new PoolEncoder([port], local, 1024);
    const first = pool.stripTiles(strip(512, 256), 256, settings);
    pool.stripTiles(strip(512, 256), 256, settings);
    expect([port.received, local.strips]).toEqual([1, 1]);
    expect(await first).toHaveLength(2);
  });

  it('gives the encoder most strips of an image while the tiling thread decodes', async () => {
    // 1024x8192: 32 strips at full size and 31 more below. Without a turn of the event loop
    // between strips, the encoder's replies would wait until the end, and past its first
    // strips every strip would be encoded by the tiling thread itself.
    const file = join(dir, 'tall.jpg');
    await sharp({ create: { width: 1024, height: 8192, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toFile(file);
    const port = encoderPort();
    const local = countingLocal();
    const encoder = new PoolEncoder([port], local, 4 * 1024 * 256 * 3);
    const options = resolveTileOptions({});
    const result = await runTileJob(vips, { id: 'tall', path: file, outDir: join(dir, 'out'), options }, { encoder });
    expect(result.files).toBeGreaterThan(150);
    const strips = port.received + local.strips;
    expect(strips).toBeGreaterThan(60);
    expect(port.received).toBeGreaterThan(strips / 2);
  });
});
