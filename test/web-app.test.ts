// The browser app end to end: the real page served by Vite's dev server, driven in Debian's
// Chromium. Files go in through the file input, are tiled in the page's workers into local
// storage, previewed in OpenSeadragon, survive a reload, and come out as a ZIP whose files equal
// the agent's, byte for byte.
//
// The tests of this file run in order on one page: each picks up what the previous one left.

import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COLLECTION_LABEL } from '../web/export/entries.ts';
import { type NetworkLog, launchChromium, recordNetwork } from './helpers/chromium.ts';
import { finalState, openPreviewOf, rowSelector, viewerCounters } from './helpers/web-page.ts';
import { makeTempDir } from './helpers/images.ts';
import { psnr } from './helpers/psnr.ts';
import { REPO_ROOT, type WebApp, startDevServer } from './helpers/web-server.ts';

const KLEIBER = join(REPO_ROOT, '..', 'shared', 'images', 'Kleiber_by_Lukas_Baubkus.jpg');
const GENERATED = { id: 'pattern-3000x2000', width: 3000, height: 2000 };
const KLEIBER_ID = 'Kleiber_by_Lukas_Baubkus';
const TRUNCATED_ID = 'truncated';

const run = promisify(execFile);

/**
 * A photo-like test image with structure at every scale: red grows left to right, green top to
 * bottom (a tile drawn in the wrong place has the wrong colour), blue is a slow wave (smooth, so
 * different resamplers agree) plus a little noise (so tiles are not trivially compressible).
 */
async function writePatternImage(file: string, width: number, height: number): Promise<void> {
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const grain = ((seed >>> 16) % 13) - 6;
      const wave = 128 + 90 * Math.sin((2 * Math.PI * x) / 700) * Math.cos((2 * Math.PI * y) / 500);
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((255 * x) / (width - 1));
      pixels[i + 1] = Math.round((255 * y) / (height - 1));
      pixels[i + 2] = Math.max(0, Math.min(255, Math.round(wave + grain)));
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
}

async function closePreview(page: Page): Promise<void> {
  await page.click('[data-testid=preview-close]');
  await page.waitForSelector('[data-testid=preview-dialog]', { state: 'detached' });
}

/** Screenshots of the viewer until two in a row are equal (OpenSeadragon may still be blending tiles in). */
async function steadyViewerShot(page: Page): Promise<Buffer> {
  const viewer = page.locator('[data-testid=viewer]');
  let last = await viewer.screenshot();
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(250);
    const next = await viewer.screenshot();
    if (next.equals(last)) return next;
    last = next;
  }
  throw new Error('the viewer kept changing for 5 s');
}

/** Every file under dir, as paths relative to it with '/' separators. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

describe('the web app in Chromium', () => {
  let dir: string;
  let inputs: { generated: string; kleiber: string; truncated: string };
  let app: WebApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let network: NetworkLog;

  beforeAll(async () => {
    dir = makeTempDir('tessella-web-app-');
    inputs = {
      generated: join(dir, `${GENERATED.id}.jpg`),
      // Copied into the temp folder so the browser and the agent read the very same bytes.
      kleiber: join(dir, `${KLEIBER_ID}.jpg`),
      truncated: join(dir, `${TRUNCATED_ID}.jpg`),
    };
    await writePatternImage(inputs.generated, GENERATED.width, GENERATED.height);
    copyFileSync(KLEIBER, inputs.kleiber);
    const kleiber = readFileSync(KLEIBER);
    writeFileSync(inputs.truncated, kleiber.subarray(0, Math.floor(kleiber.length / 3)));

    [app, browser] = await Promise.all([startDevServer(), launchChromium()]);
    // A new context is a new, empty profile: no IndexedDB, no OPFS from an earlier run.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    network = recordNetwork(page);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is served cross-origin isolated', async () => {
    const response = await page.goto(app.url);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The page warns when it is not isolated; it must not have.
    expect(await page.isHidden('#notice')).toBe(true);
  });

  it('tiles a generated image and a photo, and refuses a truncated JPEG with a readable message', async () => {
    // The truncated file sits between the two good ones: the queue goes on after a failure.
    await page.setInputFiles('[data-testid=file-input]', [inputs.generated, inputs.truncated, inputs.kleiber]);
    expect(await page.$$eval('[data-testid=image-row]', (rows) => rows.map((r) => (r as HTMLElement).dataset.id))).toEqual([
      GENERATED.id,
      TRUNCATED_ID,
      KLEIBER_ID,
    ]);

    const generated = await finalState(page, GENERATED.id, 90_000);
    const truncated = await finalState(page, TRUNCATED_ID, 60_000);
    const kleiber = await finalState(page, KLEIBER_ID, 120_000);

    expect(generated).toEqual({ state: 'done', message: '' });
    expect(kleiber).toEqual({ state: 'done', message: '' });
    expect(truncated.state).toBe('error');
    // One line that says what is wrong, not a stack trace or an object dump.
    expect(truncated.message).toMatch(/truncated|premature end/i);
    expect(truncated.message).not.toMatch(/\n|\bat \S+:\d+|\[object /);
    expect(truncated.message.length).toBeLessThan(300);

    const facts = await page.textContent(`${rowSelector(GENERATED.id)} [data-testid=image-facts]`);
    expect(facts).toContain('3,000 × 2,000 px');
    expect(await page.isEnabled('[data-testid=export-zip]')).toBe(true);
  }, 200_000);

  it('draws the generated image in the viewer, matching the source', async () => {
    await openPreviewOf(page, GENERATED.id);
    const shot = await steadyViewerShot(page);
    const counters = await viewerCounters(page);
    expect(counters.tilesFailed, counters.lastFailure).toBe(0);
    expect(counters.tilesLoaded).toBeGreaterThan(0);

    // OpenSeadragon's home view fits the whole image in the container, centred, aspect kept.
    const { width: boxW, height: boxH } = await sharp(shot).metadata();
    const scale = Math.min(boxW! / GENERATED.width, boxH! / GENERATED.height);
    const drawnW = Math.round(GENERATED.width * scale);
    const drawnH = Math.round(GENERATED.height * scale);
    const left = Math.round((boxW! - drawnW) / 2);
    const top = Math.round((boxH! - drawnH) / 2);
    expect(drawnW).toBeGreaterThan(400);

    // Compare the middle 90% of the drawn image: its edges may be off by a pixel of rounding.
    const inset = { left: Math.round(drawnW * 0.05), top: Math.round(drawnH * 0.05), width: Math.round(drawnW * 0.9), height: Math.round(drawnH * 0.9) };
    const shown = await sharp(shot)
      .extract({ left: left + inset.left, top: top + inset.top, width: inset.width, height: inset.height })
      .removeAlpha()
      .raw()
      .toBuffer();
    const expected = await sharp(inputs.generated).resize(drawnW, drawnH, { fit: 'fill' }).extract(inset).raw().toBuffer();
    const pixels = inset.width * inset.height;
    const quality = psnr(shown, expected, 3, 3, pixels);
    // Two resamplers of one image agree to well over 30 dB here; a blank, shifted or wrongly
    // placed tile drops it far below (the gradients make every position a different colour).
    expect(quality).toBeGreaterThan(30);

    // The same measure against the image flipped shows the comparison can tell images apart.
    const flipped = await sharp(inputs.generated).flop().resize(drawnW, drawnH, { fit: 'fill' }).extract(inset).raw().toBuffer();
    expect(psnr(shown, flipped, 3, 3, pixels)).toBeLessThan(20);
    await closePreview(page);
  }, 90_000);

  it('keeps every image over a reload, and previews it from local storage only', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    const states = await page.$$eval('[data-testid=image-row]', (rows) =>
      rows.map((r) => [(r as HTMLElement).dataset.id, (r as HTMLElement).dataset.state]),
    );
    // The failed file was never stored; the two tiled images are, in the order they were tiled.
    expect(states).toEqual([
      [GENERATED.id, 'done'],
      [KLEIBER_ID, 'done'],
    ]);

    await openPreviewOf(page, KLEIBER_ID);
    const home = await viewerCounters(page);
    expect(home.tilesLoaded).toBeGreaterThan(0);
    // Zoom in on the middle: deeper levels' tiles must come from storage too.
    const box = (await page.locator('[data-testid=viewer]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 4; i++) {
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(150);
    }
    await page.waitForFunction(
      (before) => {
        const d = (document.querySelector('[data-testid=viewer]') as HTMLElement).dataset;
        return d.state === 'loaded' && Number(d.tilesLoaded) > before;
      },
      home.tilesLoaded,
      { timeout: 60_000 },
    );
    const zoomed = await viewerCounters(page);
    expect(zoomed.tilesFailed, zoomed.lastFailure).toBe(0);
    await closePreview(page);

    await openPreviewOf(page, GENERATED.id);
    const generated = await viewerCounters(page);
    expect(generated.tilesLoaded).toBeGreaterThan(0);
    expect(generated.tilesFailed, generated.lastFailure).toBe(0);
    await closePreview(page);

    // Nothing the page asked for failed, and no tile or info.json went over the network: the
    // viewer's IIIF URLs are virtual and every one of them was answered from the pack.
    await network.idle();
    expect(network.errors()).toEqual([]);
    expect(network.failures).toEqual([]);
    expect(network.pageErrors).toEqual([]);
    const iiifRequests = network.responses.filter((r) => /info\.json|\/default\.(jpg|webp|png)|tessella-local:/.test(r.url));
    expect(iiifRequests).toEqual([]);
    const origin = new URL(app.url).origin;
    expect(network.responses.filter((r) => !r.url.startsWith(origin) && !/^(data|blob):/.test(r.url))).toEqual([]);
  }, 180_000);

  it('exports a ZIP with the agent layout and the agent tiles, byte for byte', async () => {
    // The agent on the same two files with the same (default) options. The folder is named after
    // the app's collection label, because the agent labels collection.json with its folder's name.
    const agentOut = join(dir, DEFAULT_COLLECTION_LABEL);
    const agent = run(process.execPath, ['agent/bin/agent.js', 'tile', inputs.generated, inputs.kleiber, '--out', agentOut], { cwd: REPO_ROOT });

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid=export-zip]')]);
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const zipPath = join(dir, 'export.zip');
    await download.saveAs(zipPath);
    await agent;

    const zip = unzipSync(new Uint8Array(readFileSync(zipPath)));
    const zipNames = Object.keys(zip).filter((n) => !n.endsWith('/')).sort();
    // The agent's stamp (.tessella.json, how it knows an image is up to date) is its own
    // bookkeeping: the ZIP leaves hidden files out. Everything else must be there and equal:
    // tiles, whole-image sizes, info.json, manifest.json and collection.json (same base URL).
    const agentNames = listFiles(agentOut).filter((n) => !n.split('/').some((part) => part.startsWith('.')));
    expect(agentNames).toContain(`${GENERATED.id}/info.json`);
    expect(agentNames).toContain(`${KLEIBER_ID}/manifest.json`);
    expect(agentNames).toContain('collection.json');
    expect(zipNames).toEqual(agentNames);

    const different = agentNames.filter((name) => !Buffer.from(zip[name]!).equals(readFileSync(join(agentOut, name))));
    expect(different).toEqual([]);
    expect(network.pageErrors).toEqual([]);
  }, 120_000);
});
