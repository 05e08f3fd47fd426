// Mirador 4 (its own bundled OpenSeadragon and thumbnail logic) against the tiler's manifests:
// open them, let the tiles and thumbnails load, zoom to full resolution, pan, and require that
// every request succeeded. The thumbnail strip is shown: Mirador builds thumbnail URLs itself
// from the `sizes` of the manifest's embedded service (always `full/w,h`, in the format of its
// `preferredFormats`, jpg when absent), the same way as in its catalog and gallery views.
// The screenshot of the Kleiber window goes to /tmp/mirador.png.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../agent/commands/serve.ts';
import { runTile } from '../agent/commands/tile.ts';
import { type TileFormat, resolveTileOptions } from '../shared/options.ts';
import { type NetworkLog, launchChromium, recordNetwork } from './helpers/chromium.ts';
import { makeTempDir, writeGradientImage } from './helpers/images.ts';

const MIRADOR_SCRIPT = createRequire(import.meta.url).resolve('mirador'); // dist/mirador.min.js (UMD, global Mirador)
const SHARED_IMAGES = resolve(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'images');
const KLEIBER = join(SHARED_IMAGES, 'Kleiber_by_Lukas_Baubkus.jpg');
const VALIDATOR_IMAGE = join(SHARED_IMAGES, 'iiif-validator-test-1000x1000.png');
const SCREENSHOT = '/tmp/mirador.png';

/** A whole-image request (thumbnail or single-tile level): `full/w,h` or `full/w,`. */
const WHOLE_IMAGE = /\/full\/\d+,\d*\/0\/default\.\w+$/;
/** A full-resolution tile: region width and height equal the size (v3 `w,h`, v2 `w,`). */
function isFullResolutionTile(url: string): boolean {
  const m = /\/\d+,\d+,(\d+),(\d+)\/(\d+),(\d*)\/0\//.exec(url);
  return !!m && m[1] === m[3] && (m[4] === '' || m[2] === m[4]);
}

interface Opened {
  page: Page;
  net: NetworkLog;
}

describe('Mirador 4 against tiled manifests', () => {
  let work: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  const iiif = (path: string): string => `${server.url}iiif/${path}`;

  async function tile(inputs: string[], folder: string, iiifVersion: 2 | 3, format: TileFormat = 'jpg'): Promise<void> {
    const options = resolveTileOptions({ baseUrl: iiif(folder), iiifVersion, format });
    const report = await runTile(inputs, { out: join(work, folder), options, jobs: 2, force: true });
    expect(report.totals.failed, JSON.stringify(report.images.filter((i) => i.error))).toBe(0);
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessella-mirador-'));
    server = await serve(work, { port: 0, host: '127.0.0.1' });
    const sources = makeTempDir();
    const gradient = await writeGradientImage(sources, 'gradient-1000x700', { width: 1000, height: 700 });
    await tile([KLEIBER], 'v3', 3);
    await tile([VALIDATOR_IMAGE], 'v2', 2);
    await tile([gradient], 'webp', 3, 'webp');
    rmSync(sources, { recursive: true, force: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A page running Mirador with one window on `manifestId`, thumbnail strip shown. */
  async function openMirador(manifestId: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const net = recordNetwork(page);
    await page.setContent('<!doctype html><html><body style="margin:0"><div id="m" style="position:absolute;inset:0"></div></body></html>');
    await page.addScriptTag({ path: MIRADOR_SCRIPT });
    await page.evaluate((id) => {
      const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      w.mirador = w.Mirador.viewer({
        id: 'm',
        windows: [{ manifestId: id, thumbnailNavigationPosition: 'far-bottom' }],
        osdConfig: { animationTime: 0.3 }, // shorter zoom animations keep the test quick
      });
    }, manifestId);
    return { page, net };
  }

  /** The zoom of the first window's viewer, from Mirador's store. */
  function zoomOf(page: Page): Promise<number> {
    return page.evaluate(() => {
      const state = (window as unknown as { mirador: any }).mirador.store.getState(); // eslint-disable-line @typescript-eslint/no-explicit-any
      const windowId = Object.keys(state.windows)[0]!;
      return state.viewers[windowId]?.zoom ?? 0;
    });
  }

  /** Wait until the first tiles are drawn, zoom in step by step with Mirador's button, then drag around. */
  async function zoomAndPan({ page, net }: Opened, clicks: number, pan = true): Promise<{ before: number; after: number }> {
    await page.getByRole('img', { name: /digitized view/i }).waitFor();
    await expect.poll(() => net.okUrls().filter((u) => /\/\d+,\d+,\d+,\d+\//.test(u)).length, { timeout: 30_000 }).toBeGreaterThan(0);
    await net.idle();
    const before = await zoomOf(page);
    const zoomIn = page.getByRole('button', { name: 'Zoom in' });
    for (let i = 0; i < clicks; i++) {
      await zoomIn.click();
      await net.idle();
    }
    const after = await zoomOf(page);
    if (!pan) return { before, after };
    // Drag the image up-left, towards the bottom-right corner, then down-right, towards the top-left.
    const box = (await page.getByRole('img', { name: /digitized view/i }).boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    for (const [dx, dy] of [
      [-1, -1],
      [1, 1],
      [1, 1],
    ]) {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + (dx! * box.width) / 3, cy + (dy! * box.height) / 3, { steps: 8 });
      await page.mouse.up();
      await net.idle();
    }
    return { before, after };
  }

  /** Pixels of the viewer canvas vary (an image is drawn, not an empty or one-colour area). */
  async function canvasContrast(page: Page): Promise<number> {
    const png = await page.getByRole('img', { name: /digitized view/i }).screenshot();
    const stats = await sharp(png).stats();
    return Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev));
  }

  function expectCleanNetwork(net: NetworkLog): void {
    expect(net.errors()).toEqual([]);
    expect(net.failures).toEqual([]);
    expect(net.pageErrors).toEqual([]);
  }

  it('v3 (Kleiber, 6028x3391): tiles, thumbnails, zoom to full resolution and panning, all requests succeed', async () => {
    const opened = await openMirador(iiif('v3/Kleiber_by_Lukas_Baubkus/manifest.json'));
    const { page, net } = opened;
    const { before, after } = await zoomAndPan(opened, 4);
    await page.screenshot({ path: SCREENSHOT });
    const contrast = await canvasContrast(page);
    await page.close();

    expectCleanNetwork(net);
    expect(after).toBeGreaterThan(before * 4);
    expect(net.okUrls().filter(WHOLE_IMAGE.test.bind(WHOLE_IMAGE)).length).toBeGreaterThan(0);
    expect(net.okUrls().filter(isFullResolutionTile).length).toBeGreaterThan(0);
    expect(contrast).toBeGreaterThan(10);
  });

  it('v2 (validator image, 1000x1000): tiles, thumbnails, zoom and panning, all requests succeed', async () => {
    const opened = await openMirador(iiif('v2/iiif-validator-test-1000x1000/manifest.json'));
    const { page, net } = opened;
    const { before, after } = await zoomAndPan(opened, 2);
    const contrast = await canvasContrast(page);
    await page.close();

    expectCleanNetwork(net);
    expect(after).toBeGreaterThan(before);
    expect(net.okUrls().filter(WHOLE_IMAGE.test.bind(WHOLE_IMAGE)).length).toBeGreaterThan(0);
    expect(net.okUrls().filter(isFullResolutionTile).length).toBeGreaterThan(0);
    expect(net.okUrls().some((u) => u.endsWith('/info.json'))).toBe(true);
    expect(contrast).toBeGreaterThan(10);
  });

  it('v3 WebP tiles (1000x700): tiles and thumbnails load, all requests succeed', async () => {
    const opened = await openMirador(iiif('webp/gradient-1000x700/manifest.json'));
    const { page, net } = opened;
    await zoomAndPan(opened, 1, false);
    await page.close();

    expectCleanNetwork(net);
    expect(net.okUrls().filter((u) => u.endsWith('.webp')).length).toBeGreaterThan(0);
    expect(net.okUrls().filter(WHOLE_IMAGE.test.bind(WHOLE_IMAGE)).length).toBeGreaterThan(0);
  });

  it('the collection opens in Miradorʼs collection dialog and its manifest loads from there', async () => {
    const opened = await openMirador(iiif('v3/collection.json'));
    const { page, net } = opened;
    await page.getByRole('button', { name: /show collection/i }).click();
    const item = page.getByRole('dialog').getByRole('menuitem').first();
    await expect.poll(() => item.textContent()).toContain('Kleiber_by_Lukas_Baubkus');
    await item.click();
    await zoomAndPan(opened, 0, false);
    await page.close();

    expectCleanNetwork(net);
    expect(net.okUrls()).toContain(iiif('v3/collection.json'));
    expect(net.okUrls()).toContain(iiif('v3/Kleiber_by_Lukas_Baubkus/manifest.json'));
  });
});
