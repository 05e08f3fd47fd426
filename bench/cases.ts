// What is benchmarked: the input images (cases) and the programs that tile them (tools).
// Adding a case or a tool is one entry here. Entries marked optIn run only when asked for by
// name (`--only NAME`) or by a flag of their own in bench.ts (e.g. a huge image, a browser run).

import { KLEIBER, grainyBatch, grainyUpscale, sharedImage } from './images.ts';
import type { Measurement } from './measure.ts';

export interface BenchCase {
  /** The name `--only` takes. */
  name: string;
  description: string;
  optIn?: boolean;
  /** Returns the input file, or a folder of them, generating (and caching) it if needed. */
  prepare(repoRoot: string): Promise<string>;
}

export const CASES: BenchCase[] = [
  {
    name: '100mpx',
    description: 'Kleiber upscaled to 13000x7700 with grain, baseline JPEG Q90 (generated once, cached)',
    prepare: (repoRoot) => grainyUpscale(sharedImage(repoRoot, KLEIBER), { width: 13000, height: 7700, grain: 20, quality: 90 }),
  },
  {
    name: 'kleiber',
    description: 'the shared Kleiber photo as is (6028x3391 JPEG)',
    prepare: async (repoRoot) => sharedImage(repoRoot, KLEIBER),
  },
  {
    name: 'batch',
    description: 'many smaller photos at once: 16 JPEGs Q90 of 2000x1500 to 3200x2400 with grain, 78 Mpx in all (generated once, cached)',
    prepare: (repoRoot) =>
      grainyBatch(sharedImage(repoRoot, KLEIBER), {
        count: 16,
        sizes: [[2000, 1500], [2400, 1800], [3200, 2400], [1800, 2400]],
        grain: 20,
        quality: 90,
      }),
  },
  {
    name: 'gpx',
    description: 'Kleiber upscaled to 36000x25200 (0.9 Gpx) with grain, baseline JPEG Q85 (generated once, cached; several minutes)',
    optIn: true,
    prepare: (repoRoot) => grainyUpscale(sharedImage(repoRoot, KLEIBER), { width: 36000, height: 25200, grain: 20, quality: 85 }),
  },
];

export interface ToolRun {
  repoRoot: string;
  input: string;
  /** A fresh, empty folder for this run only. */
  outDir: string;
  tileSize: number;
  quality: number;
  /** Node options every Node child gets first (the resource-usage probe). */
  nodeOptions: string[];
}

/** One run's figures and the files it left. */
export interface ToolResult {
  measurement: Measurement;
  files: number;
  bytes: number;
}

export interface BenchTool {
  /** Row label. */
  name: string;
  /** The tool the others are compared with (ratios in the table). */
  reference?: boolean;
  optIn?: boolean;
  /** Also compare this row with the named tool's row (a line under the table). */
  compareWith?: string;
  /** The child process to run: [command, ...args]. It runs with the repo as working folder. */
  command?(run: ToolRun): string[];
  /** Instead of a command: run and measure in this process (the browser, whose processes are measured). */
  measure?(run: ToolRun): Promise<ToolResult>;
  /** It takes one file, not a folder (skipped for batch cases). */
  oneFileOnly?: boolean;
}

/** The arguments both tilers take: input, output folder, tile size and quality. */
const tileArgs = (r: ToolRun): string[] => [r.input, '--out', r.outDir, '--tile-size', String(r.tileSize), '--quality', String(r.quality)];

/** The real CLI, as a user runs it. */
function agentTool(name: string, jobs?: number): BenchTool {
  return {
    name,
    command: (r) => [
      process.execPath,
      ...r.nodeOptions,
      'agent/bin/agent.js',
      'tile',
      ...tileArgs(r),
      // The folder is fresh anyway; --force makes sure no stamp from elsewhere skips the work.
      '--force',
      ...(jobs === undefined ? [] : ['--jobs', String(jobs)]),
    ],
  };
}

export const TOOLS: BenchTool[] = [
  {
    name: 'sharp',
    reference: true,
    command: (r) => [
      process.execPath,
      ...r.nodeOptions,
      'bench/run-sharp.mjs',
      ...tileArgs(r),
    ],
  },
  agentTool('agent --jobs 1', 1),
  agentTool('agent (default jobs)'),
];

/** The web app's production build in Chromium (`--browser`). */
export const BROWSER_TOOL: BenchTool = {
  name: 'browser (Chromium)',
  optIn: true,
  compareWith: 'agent (default jobs)',
  oneFileOnly: true,
  // Loaded only when asked for: it brings Vite and playwright.
  measure: async (r) => (await import('./browser.ts')).runInBrowser(r),
};
