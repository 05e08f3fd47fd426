// The web app's page as tests see it: an image's row and its outcome, and the preview's counters.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.ts';
import { type WebApp, startDevServer } from './web-server.ts';

export const rowSelector = (id: string): string => `[data-testid=image-row][data-id="${id}"]`;

export interface RowOutcome {
  state: string;
  message: string;
}

/** Wait until a row is done or failed; its state and (when failed) the message it shows. */
export async function finalState(page: Page, id: string, timeout: number): Promise<RowOutcome> {
  const row = rowSelector(id);
  await page.waitForSelector(`${row}[data-state=done], ${row}[data-state=error]`, { timeout });
  return page.$eval(row, (el) => ({
    state: (el as HTMLElement).dataset.state ?? '',
    message: el.querySelector('[data-testid=row-error]')?.textContent ?? '',
  }));
}

export interface ViewerCounters {
  state: string;
  tilesLoaded: number;
  tilesFailed: number;
  lastFailure: string;
}

export async function viewerCounters(page: Page): Promise<ViewerCounters> {
  return page.$eval('[data-testid=viewer]', (el) => {
    const d = (el as HTMLElement).dataset;
    return { state: d.state ?? '', tilesLoaded: Number(d.tilesLoaded ?? 0), tilesFailed: Number(d.tilesFailed ?? 0), lastFailure: d.lastFailure ?? '' };
  });
}

/** Open the preview of a row and wait until OpenSeadragon has drawn every tile it wanted. */
export async function openPreviewOf(page: Page, id: string): Promise<void> {
  await page.click(`${rowSelector(id)} [data-testid=preview]`);
  await page.waitForSelector('[data-testid=viewer][data-state=loaded]', { timeout: 60_000 });
}

/**
 * The app from Vite's dev server, open in a Chromium page for the tests of one file: started in
 * beforeAll, closed in afterAll. `page()` is the page, once started.
 */
export function appPageForTests(): { page(): Page } {
  let app: WebApp | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    app = await startDevServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    page() {
      if (!page) throw new Error('the app page is not open (used outside a test?)');
      return page;
    },
  };
}
