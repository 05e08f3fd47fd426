// The web app as a benchmarked tool: the production build (`vite build`, served by `vite preview`
// with the COOP/COEP headers) in Debian's Chromium, tiling the case's image the way a user does,
// through the file input. Measured from the file selection to the row's data-state="done":
// wall time, CPU time and peak RSS of the Chromium processes (browser, renderer with its tiling
// and encoder workers, GPU and utility processes), sampled from /proc like the other tools' trees. A
// persistent profile on disk, as a user has (not an incognito context).

import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchWithProfile } from '../test/helpers/chromium.ts';
import { buildApp, removeBuild, startPreviewServer } from '../test/helpers/web-server.ts';
import type { ToolResult, ToolRun } from './cases.ts';
import { type Measurement, sampleTree } from './measure.ts';

const SAMPLE_MS = 50;
const CLOCK_TICKS = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat
const TILING_TIMEOUT_MS = 30 * 60_000;

/** One production build per bench process, removed when it exits. */
let built: Promise<string> | undefined;
function appBuild(): Promise<string> {
  built ??= buildApp().then((dir) => {
    process.once('exit', () => removeBuild(dir));
    return dir;
  });
  return built;
}

/** Chromium processes started by this process (playwright spawns the browser as our child). */
function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /chrom/.test(readlinkSync(`/proc/${name}/exe`))) pids.push(Number(name));
    } catch {
      // Gone between readdir and read.
    }
  }
  return pids;
}

interface TreeSampler {
  /** Sum of utime + stime over the tree now, in seconds. */
  cpuSeconds(): number;
  stop(): { peakRssBytes: number; maxProcesses: number };
}

/** Sample the trees of the given roots every SAMPLE_MS: peak summed RSS, most processes. */
function sampleTrees(roots: number[]): TreeSampler {
  let peakRssBytes = 0;
  let maxProcesses = 0;
  let lastTicks = 0;
  const sample = (): void => {
    let rss = 0;
    let ticks = 0;
    let processes = 0;
    for (const root of roots) {
      const s = sampleTree(root);
      rss += s.rssBytes;
      ticks += s.cpuTicks;
      processes += s.processes;
    }
    peakRssBytes = Math.max(peakRssBytes, rss);
    maxProcesses = Math.max(maxProcesses, processes);
    lastTicks = ticks;
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    cpuSeconds: () => {
      sample();
      return lastTicks / CLOCK_TICKS;
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssBytes, maxProcesses };
    },
  };
}

/** What the app stored for the image: every file of its pack (tiles, sizes, info.json, manifest.json). */
function storedFiles(page: Page, id: string): Promise<{ files: number; bytes: number }> {
  return page.evaluate(
    (imageId) =>
      new Promise<{ files: number; bytes: number }>((resolve, reject) => {
        const open = indexedDB.open('tessella');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('images').objectStore('images').get(imageId);
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            const entries = Object.values((get.result as { index: Record<string, { length: number }> }).index);
            resolve({ files: entries.length, bytes: entries.reduce((n, e) => n + e.length, 0) });
          };
        };
      }),
    id,
  );
}

/** The settings form's values: the run must use the same tile size and quality as the other tools. */
async function checkSettings(page: Page, r: ToolRun): Promise<void> {
  const tileSize = Number(await page.inputValue('#set-tile-size'));
  const quality = Number(await page.inputValue('#set-quality'));
  const format = await page.inputValue('#set-format');
  const iiif = await page.inputValue('#set-iiif');
  if (tileSize !== r.tileSize || quality !== r.quality || format !== 'jpg' || iiif !== '3') {
    throw new Error(`the app's settings (tile ${tileSize}, Q${quality}, ${format}, IIIF ${iiif}) differ from the bench's (tile ${r.tileSize}, Q${r.quality}, jpg, IIIF 3)`);
  }
}

function failed(message: string, wallSeconds = 0): ToolResult {
  const measurement: Measurement = {
    exitCode: 1,
    signal: null,
    wallSeconds,
    cpuSeconds: Number.NaN,
    cpuSource: 'proc',
    peakTreeRssBytes: 0,
    ownMaxRssBytes: null,
    maxProcesses: 0,
    stderrTail: message,
  };
  return { measurement, files: 0, bytes: 0 };
}

/** Tile r.input in the web app in a fresh Chromium (empty profile) and measure it. */
export async function runInBrowser(r: ToolRun): Promise<ToolResult> {
  let dist: string;
  try {
    dist = await appBuild();
  } catch (err) {
    return failed(`vite build failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const app = await startPreviewServer(dist);
  // A profile on disk, as a user has: a fresh context of a launched browser is incognito, whose
  // in-memory OPFS goes through the browser process for every write (~25% more CPU measured).
  const profile = mkdtempSync(join(tmpdir(), 'tessella-bench-profile-'));
  const browser = await launchWithProfile(profile);
  let sampler: TreeSampler | undefined;
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(app.url);
    await page.waitForSelector('body[data-ready=true]');
    if (!(await page.evaluate(() => crossOriginIsolated))) return failed('the page is not cross-origin isolated');
    // Page load includes the tiling engine (libvips loaded and warmed up in the workers), which
    // the app starts while the user picks files; the agent pays its own start-up in every run.
    await page.waitForSelector('body[data-engine=ready]', { timeout: 120_000 });
    await checkSettings(page, r);

    const roots = chromiumChildren();
    if (roots.length === 0) return failed(`no Chromium process found among the children of ${process.pid}`);
    sampler = sampleTrees(roots);
    const cpuBefore = sampler.cpuSeconds();
    const started = performance.now();
    await page.setInputFiles('[data-testid=file-input]', r.input);
    const row = '[data-testid=image-row]';
    await page.waitForSelector(`${row}[data-state=done], ${row}[data-state=error]`, { timeout: TILING_TIMEOUT_MS });
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = sampler.cpuSeconds() - cpuBefore;
    const { peakRssBytes, maxProcesses } = sampler.stop();

    const { id, state, message } = await page.$eval(row, (el) => ({
      id: (el as HTMLElement).dataset.id ?? '',
      state: (el as HTMLElement).dataset.state ?? '',
      message: el.querySelector('[data-testid=row-error]')?.textContent ?? '',
    }));
    if (state !== 'done') return failed(`the app reported: ${message}\n${pageErrors.join('\n')}`, wallSeconds);
    const measurement: Measurement = {
      exitCode: 0,
      signal: null,
      wallSeconds,
      cpuSeconds,
      cpuSource: 'proc',
      peakTreeRssBytes: peakRssBytes,
      ownMaxRssBytes: null,
      maxProcesses,
      stderrTail: pageErrors.join('\n'),
    };
    return { measurement, ...(await storedFiles(page, id)) };
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  } finally {
    sampler?.stop();
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await app.close();
  }
}
