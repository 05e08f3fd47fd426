// The browser tiles a 400 Mpx baseline JPEG without running out of memory (#5). Each wasm-vips
// instance has at most 2 GiB of memory and the image is 1.2 GB of pixels: a decoder that held
// it, or encoders that kept its strips, would run out here. The input is the bench's 24500x16330
// photo (Kleiber upscaled with grain), generated once and cached in the temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KLEIBER, grainyUpscale, sharedImage } from '../bench/images.ts';
import { launchWithProfile } from './helpers/chromium.ts';
import { finalState, openPreviewOf, viewerCounters } from './helpers/web-page.ts';
import { REPO_ROOT, type WebApp, startDevServer } from './helpers/web-server.ts';

const SIZE = { width: 24500, height: 16330 };
const ID = `kleiber-${SIZE.width}x${SIZE.height}-grain20-q85`;

let file: string;
let app: WebApp;
let profile: string;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  file = await grainyUpscale(sharedImage(REPO_ROOT, KLEIBER), { ...SIZE, grain: 20, quality: 85 });
  app = await startDevServer();
  profile = mkdtempSync(join(tmpdir(), 'tessella-400mpx-profile-'));
  context = await launchWithProfile(profile);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('crash', () => pageErrors.push('the page crashed'));
  await page.goto(app.url);
  await page.waitForSelector('body[data-engine=ready]', { timeout: 120_000 });
}, 600_000);

afterAll(async () => {
  await context?.close();
  await app?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('a 400 Mpx JPEG in the browser', () => {
  it('is tiled to the end, stored, and previews from storage', async () => {
    await page.setInputFiles('[data-testid=file-input]', file);
    const outcome = await finalState(page, ID, 600_000);
    expect(outcome).toEqual({ state: 'done', message: '' });
    expect(pageErrors).toEqual([]);

    await openPreviewOf(page, ID);
    const shown = await viewerCounters(page);
    expect(shown.tilesLoaded).toBeGreaterThan(0);
    expect(shown.tilesFailed).toBe(0);
  }, 900_000);
});
