// The web app's page as tests see it: an image's row and its outcome, and the preview's counters.

import type { Page } from 'playwright-core';

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
