// The real OpenSeadragon against the tiler's output: every tile URL its IIIFTileSource builds
// must exist with the pixel size the URL names, and a real viewer zooming and panning through
// every level must never see a 404 or a failed request.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../agent/commands/serve.ts';
import { runTile } from '../agent/commands/tile.ts';
import { type TileFormat, resolveTileOptions } from '../shared/options.ts';
import { launchChromium, recordNetwork } from './helpers/chromium.ts';
import { AWKWARD_SIZES, type Size, makeTempDir, sizeName, writeSizeSet } from './helpers/images.ts';

const OSD_SCRIPT = createRequire(import.meta.url).resolve('openseadragon/build/openseadragon/openseadragon.js');
const TILE = 256;

interface Variant {
  name: string;
  iiif: 2 | 3;
  format: TileFormat;
  sizes: Size[];
}

const WEBP_SIZES = AWKWARD_SIZES.filter((s) => ['257x257', '1000x700', '40x3000'].includes(`${s.width}x${s.height}`));
const VARIANTS: Variant[] = [
  { name: 'v3', iiif: 3, format: 'jpg', sizes: AWKWARD_SIZES },
  { name: 'v2', iiif: 2, format: 'jpg', sizes: AWKWARD_SIZES },
  { name: 'v3-webp', iiif: 3, format: 'webp', sizes: WEBP_SIZES },
];

/** One tile as OpenSeadragon asks for it. */
interface OsdTile {
  level: number;
  x: number;
  y: number;
  url: string;
  /** 2^(maxLevel - level): how much smaller than full resolution this level is. */
  scaleFactor: number;
}

interface OsdSource {
  infoUrl: string;
  width: number;
  height: number;
  minLevel: number;
  maxLevel: number;
  tiles: OsdTile[];
}

/** Number of tiles in the pyramid the spec implies: levels down to one tile, each cut in TILE squares. */
function expectedTileCount(size: Size): number {
  let count = 0;
  for (let s = 1; ; s *= 2) {
    const w = Math.ceil(size.width / s);
    const h = Math.ceil(size.height / s);
    count += Math.ceil(w / TILE) * Math.ceil(h / TILE);
    if (w <= TILE && h <= TILE) return count;
  }
}

function levelCount(size: Size): number {
  let n = 1;
  for (let s = 1; Math.ceil(size.width / s) > TILE || Math.ceil(size.height / s) > TILE; s *= 2) n++;
  return n;
}

/**
 * The pixel size a tile URL names: region `full` or `x,y,w,h`; size v3 `w,h` or `max` (the full
 * image), v2 `w,` (height scaled by the level's factor, rounded up, as the spec's tile formula
 * does) or `full` (the region's size).
 */
function namedSize(url: string, source: OsdSource, scaleFactor: number): Size {
  const [region, size] = url.split('/').slice(-4);
  const r = region === 'full' ? [0, 0, source.width, source.height] : region!.split(',').map(Number);
  const [rw, rh] = [r[2]!, r[3]!];
  if (size === 'max') return { width: source.width, height: source.height };
  if (size === 'full') return { width: rw, height: rh };
  const [w, h] = size!.split(',');
  return { width: Number(w), height: h === '' ? Math.ceil(rh / scaleFactor) : Number(h) };
}

/** In the page: build OpenSeadragon's IIIFTileSource from each info.json and list every tile URL of every level. */
async function osdTileUrls(page: Page, infoUrls: string[]): Promise<OsdSource[]> {
  return page.evaluate(async (urls) => {
    const OSD = (window as unknown as { OpenSeadragon: any }).OpenSeadragon; // eslint-disable-line @typescript-eslint/no-explicit-any
    const sources = [];
    for (const infoUrl of urls) {
      const info = await (await fetch(infoUrl)).json();
      const proto = OSD.IIIFTileSource.prototype;
      if (!proto.supports(info, infoUrl)) throw new Error(`OpenSeadragon does not take ${infoUrl} as IIIF`);
      const source = new OSD.IIIFTileSource(proto.configure(info, infoUrl));
      const tiles = [];
      for (let level = source.minLevel; level <= source.maxLevel; level++) {
        const n = source.getNumTiles(level);
        for (let y = 0; y < n.y; y++) {
          for (let x = 0; x < n.x; x++) {
            tiles.push({ level, x, y, url: source.getTileUrl(level, x, y) as string, scaleFactor: 2 ** (source.maxLevel - level) });
          }
        }
      }
      sources.push({ infoUrl, width: info.width, height: info.height, minLevel: source.minLevel, maxLevel: source.maxLevel, tiles });
    }
    return sources;
  }, infoUrls);
}

/** Fetch a tile and return its decoded pixel size, or the HTTP status when it is not there. */
async function fetchTile(url: string): Promise<{ status: number; size?: Size; format?: string }> {
  const res = await fetch(url);
  if (!res.ok) return { status: res.status };
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  return { status: res.status, size: { width: meta.width, height: meta.height }, format: meta.format };
}

describe('OpenSeadragon 6 against tiled images', () => {
  let work: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  const baseUrl = (v: Variant): string => `${server.url}iiif/${v.name}`;
  const infoUrl = (v: Variant, size: Size): string => `${baseUrl(v)}/${sizeName(size)}/info.json`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessella-osd-'));
    const sources = makeTempDir();
    const paths = await writeSizeSet(sources);
    // The server reads the folder on each request, so it can start before the tiles exist:
    // the tiler needs its URL as base-url.
    server = await serve(work, { port: 0, host: '127.0.0.1' });
    for (const v of VARIANTS) {
      const inputs = paths.filter((p) => v.sizes.some((s) => p.includes(`${sizeName(s)}.`)));
      const options = resolveTileOptions({ baseUrl: baseUrl(v), iiifVersion: v.iiif, tileSize: TILE, format: v.format });
      const report = await runTile(inputs, { out: join(work, v.name), options, jobs: 2, force: true });
      expect(report.totals.failed, JSON.stringify(report.images.filter((i) => i.error))).toBe(0);
    }
    rmSync(sources, { recursive: true, force: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const v of VARIANTS) {
    it(`${v.name}: every tile URL OpenSeadragon builds exists, with the pixel size it names`, async () => {
      const page = await browser.newPage();
      const net = recordNetwork(page);
      await page.addScriptTag({ path: OSD_SCRIPT });
      const sources = await osdTileUrls(page, v.sizes.map((s) => infoUrl(v, s)));
      await page.close();

      const problems: string[] = [];
      let checked = 0;
      for (const [i, size] of v.sizes.entries()) {
        const source = sources[i]!;
        const label = `${size.width}x${size.height} ${v.name}`;
        expect(source.maxLevel - source.minLevel + 1, `${label}: levels`).toBe(levelCount(size));
        expect(source.tiles.length, `${label}: tile count`).toBe(expectedTileCount(size));
        for (const tile of source.tiles) {
          expect(tile.url.endsWith(`/0/default.${v.format}`), tile.url).toBe(true);
          const got = await fetchTile(tile.url);
          const want = namedSize(tile.url, source, tile.scaleFactor);
          checked++;
          if (got.status !== 200) problems.push(`${label}: HTTP ${got.status} ${tile.url}`);
          else if (got.size!.width !== want.width || got.size!.height !== want.height) {
            problems.push(`${label}: ${tile.url} is ${got.size!.width}x${got.size!.height}, URL names ${want.width}x${want.height}`);
          } else if (got.format !== (v.format === 'jpg' ? 'jpeg' : v.format)) problems.push(`${label}: ${tile.url} is ${got.format}`);
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBe(v.sizes.reduce((n, s) => n + expectedTileCount(s), 0));
      expect(net.errors()).toEqual([]);
      expect(net.failures).toEqual([]);
    });
  }

  for (const [v, size] of [
    [VARIANTS[0]!, { width: 1000, height: 700 }],
    [VARIANTS[1]!, { width: 1000, height: 700 }],
    [VARIANTS[0]!, { width: 5000, height: 40 }],
    [VARIANTS[1]!, { width: 40, height: 3000 }],
  ] as const) {
    it(`${v.name} ${size.width}x${size.height}: a viewer zooming through every level and panning everywhere gets every tile`, async () => {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      const net = recordNetwork(page);
      await page.setContent('<!doctype html><div id="osd" style="width:800px;height:600px"></div>');
      await page.addScriptTag({ path: OSD_SCRIPT });
      const url = infoUrl(v, size);
      const [source] = await osdTileUrls(page, [url]);
      await page.evaluate((tileSources) => {
        const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        w.tileFailures = [];
        w.tilesLoaded = 0;
        // No navigation buttons: their images would be requested relative to about:blank.
        const viewer = w.OpenSeadragon({ id: 'osd', tileSources, showNavigationControl: false, animationTime: 0, minZoomImageRatio: 0.01 });
        viewer.addHandler('tile-loaded', () => w.tilesLoaded++);
        viewer.addHandler('tile-load-failed', (e: { message: string; tile: { getUrl(): string } }) => w.tileFailures.push(`${e.tile.getUrl()}: ${e.message}`));
        viewer.addHandler('open-failed', (e: { message: string }) => w.tileFailures.push(`open failed: ${e.message}`));
        w.viewer = viewer;
      }, url);
      await page.waitForFunction(() => (window as unknown as { viewer: any }).viewer.world.getItemCount() === 1); // eslint-disable-line @typescript-eslint/no-explicit-any

      /** Let OpenSeadragon run its update loop, then wait until every tile it wants is drawn. */
      const settle = async (): Promise<void> => {
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        await page.waitForFunction(() => (window as unknown as { viewer: any }).viewer.world.getItemAt(0).getFullyLoaded()); // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      await settle();

      // One zoom per level: the one that shows that level's pixels 1:1 on screen.
      const zooms = await page.evaluate((factors) => {
        const vp = (window as unknown as { viewer: any }).viewer.viewport; // eslint-disable-line @typescript-eslint/no-explicit-any
        return factors.map((f) => vp.imageToViewportZoom(1 / f) as number);
      }, [...new Set(source!.tiles.map((t) => t.scaleFactor))].sort((a, b) => b - a));
      for (const zoom of zooms) {
        // At each zoom, visit the corners and sweep the image in viewport-sized steps.
        const points = await page.evaluate((z) => {
          const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
          const vp = w.viewer.viewport;
          vp.zoomTo(z, null, true);
          const image = w.viewer.world.getItemAt(0).getBounds();
          const view = vp.getBounds();
          const steps = (extent: number, window: number): number[] => {
            const n = Math.max(1, Math.ceil(extent / (window * 0.9)));
            return Array.from({ length: n + 1 }, (_, i) => i / n);
          };
          const list: Array<[number, number]> = [];
          for (const fy of steps(image.height, view.height)) {
            for (const fx of steps(image.width, view.width)) list.push([image.x + fx * image.width, image.y + fy * image.height]);
          }
          return list;
        }, zoom);
        for (const [x, y] of points) {
          await page.evaluate(
            ([px, py]) => {
              const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
              w.viewer.viewport.panTo(new w.OpenSeadragon.Point(px, py), true);
              w.viewer.viewport.applyConstraints(true);
            },
            [x, y] as const,
          );
          await settle();
        }
      }

      const failures = await page.evaluate(() => (window as unknown as { tileFailures: string[] }).tileFailures);
      const loaded = await page.evaluate(() => (window as unknown as { tilesLoaded: number }).tilesLoaded);
      await page.close();

      expect(failures).toEqual([]);
      expect(net.errors()).toEqual([]);
      expect(net.failures).toEqual([]);
      expect(net.pageErrors).toEqual([]);
      expect(loaded).toBeGreaterThan(0);
      // The viewer asked only for URLs of its own pyramid, and swept at full resolution it got all of them.
      const tileUrls = new Set(source!.tiles.map((t) => t.url));
      const requested = new Set(net.okUrls().filter((u) => !u.endsWith('/info.json')));
      expect([...requested].filter((u) => !tileUrls.has(u))).toEqual([]);
      for (let level = source!.minLevel; level <= source!.maxLevel; level++) {
        expect(source!.tiles.some((t) => t.level === level && requested.has(t.url)), `a tile of level ${level} was requested`).toBe(true);
      }
      const fullResolution = source!.tiles.filter((t) => t.level === source!.maxLevel).map((t) => t.url);
      expect(fullResolution.filter((u) => !requested.has(u))).toEqual([]);
    });
  }
});
