// Real Chromium for tests: Debian's /usr/bin/chromium driven by playwright-core, and a recorder
// of every response and failed request of a page (a viewer that asks for a missing tile shows up here).

import { type Browser, type BrowserContext, type Page, type Request, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch Chromium with a new, empty profile (playwright creates and removes it). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Launch Chromium with its profile in `dir`, on disk, as a user has. A new profile from
 * launchChromium is incognito: its OPFS keeps files in memory and sends every write through the
 * browser process.
 */
export function launchWithProfile(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface ResponseRecord {
  url: string;
  status: number;
}

export interface FailedRequest {
  url: string;
  error: string;
}

export interface NetworkLog {
  responses: ResponseRecord[];
  failures: FailedRequest[];
  /** Uncaught exceptions thrown in the page. */
  pageErrors: string[];
  /** Responses with status >= 400. */
  errors(): ResponseRecord[];
  /** URLs of successful responses. */
  okUrls(): string[];
  /** Resolve once no request has been in flight for quietMs (the page's network has settled). */
  idle(quietMs?: number, timeoutMs?: number): Promise<void>;
}

/** Record every response status, every failed request and every page error of a page, from now on. */
export function recordNetwork(page: Page): NetworkLog {
  const inFlight = new Set<Request>();
  let lastActivity = Date.now();
  const settle = (r: Request): void => {
    inFlight.delete(r);
    lastActivity = Date.now();
  };
  const log: NetworkLog = {
    responses: [],
    failures: [],
    pageErrors: [],
    errors: () => log.responses.filter((r) => r.status >= 400),
    okUrls: () => log.responses.filter((r) => r.status < 400).map((r) => r.url),
    idle: async (quietMs = 500, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0 || Date.now() - lastActivity < quietMs) {
        if (Date.now() > deadline) throw new Error(`network not idle after ${timeoutMs} ms: ${[...inFlight].map((r) => r.url()).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  page.on('request', (r) => {
    inFlight.add(r);
    lastActivity = Date.now();
  });
  page.on('requestfinished', settle);
  page.on('requestfailed', (r) => {
    settle(r);
    log.failures.push({ url: r.url(), error: r.failure()?.errorText ?? 'unknown' });
  });
  page.on('response', (r) => log.responses.push({ url: r.url(), status: r.status() }));
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  return log;
}
