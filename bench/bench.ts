// `npm run bench`: the agent's `tile` command against sharp's IIIF 3 tiler on the same inputs,
// each run in a fresh child process, one after the other, on this machine.
//
//   npm run bench -- [--only 100mpx|kleiber[,...]] [--repeat N] [--keep] [--browser]
//
// --browser adds a row for the web app (production build) tiling the same input in Chromium,
// from the file selection to the row's "done", and compares it with the agent's row.
//
// With --repeat N the tools alternate (sharp, agent, agent, sharp, ...) and the table shows the
// median of each figure. Prints machine info and a markdown table; writes nothing into the repo.
// Inputs are cached and runs written under os.tmpdir()/tessella-bench (runs removed unless --keep).

import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BROWSER_TOOL, type BenchCase, type BenchTool, CASES, TOOLS, type ToolResult } from './cases.ts';
import { statSync } from 'node:fs';
import { benchCacheDir, describeInput } from './images.ts';
import { type Measurement, USAGE_PROBE, countOutput, measureChild } from './measure.ts';
import { type Row, machineInfo, markdownTable, median } from './report.ts';

const TILE_SIZE = 256;
const QUALITY = 85;
const MB = 1e6;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Settings {
  cases: BenchCase[];
  tools: BenchTool[];
  repeat: number;
  keep: boolean;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    `usage: npm run bench -- [--only NAME[,NAME...]] [--repeat N] [--keep] [--browser]\n` +
      `cases: ${CASES.map((c) => `${c.name}${c.optIn ? ' (only when named)' : ''}: ${c.description}`).join('\n       ')}\n`,
  );
  process.exit(message ? 2 : 0);
}

function parseSettings(argv: string[]): Settings {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        repeat: { type: 'string', default: '1' },
        keep: { type: 'boolean', default: false },
        browser: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) usage();

  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) usage(`--repeat: expected a whole number of at least 1, got "${values.repeat}"`);

  let cases = CASES.filter((c) => !c.optIn);
  if (values.only !== undefined) {
    const names = values.only.split(',').map((n) => n.trim()).filter((n) => n !== '');
    const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
    if (unknown.length > 0 || names.length === 0) usage(`--only: unknown case "${unknown.join(', ')}"`);
    cases = CASES.filter((c) => names.includes(c.name));
  }
  const tools = [...TOOLS.filter((t) => !t.optIn), ...(values.browser ? [BROWSER_TOOL] : [])];
  return { cases, tools, repeat, keep: values.keep };
}

type Run = ToolResult;

function ok(m: Measurement): boolean {
  return m.exitCode === 0 && m.signal === null;
}

async function runOnce(tool: BenchTool, input: string, outDir: string): Promise<Run> {
  mkdirSync(outDir, { recursive: true });
  const toolRun = { repoRoot, input, outDir, tileSize: TILE_SIZE, quality: QUALITY, nodeOptions: ['--import', USAGE_PROBE] };
  if (tool.measure) return tool.measure(toolRun);
  const [command, ...args] = tool.command!(toolRun);
  const measurement = await measureChild(command!, args, repoRoot);
  return { measurement, ...countOutput(outDir) };
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function summarise(caseLabel: string, tool: BenchTool, runs: Run[]): Row {
  const good = runs.filter((r) => ok(r.measurement));
  const pick = (f: (r: Run) => number): number => (good.length > 0 ? median(good.map(f)) : Number.NaN);
  const own = good.map((r) => r.measurement.ownMaxRssBytes).filter((v): v is number => v !== null);
  return {
    caseLabel,
    tool: tool.name,
    runs: runs.length,
    failed: runs.length - good.length,
    wallSeconds: pick((r) => r.measurement.wallSeconds),
    cpuSeconds: pick((r) => r.measurement.cpuSeconds),
    peakTreeRssMB: pick((r) => r.measurement.peakTreeRssBytes) / MB,
    ownMaxRssMB: own.length > 0 ? median(own) / MB : null,
    files: pick((r) => r.files),
    outputMB: pick((r) => r.bytes) / MB,
    wallRatio: null,
    rssRatio: null,
  };
}

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  const reference = settings.tools.find((t) => t.reference);
  const runsDir = join(benchCacheDir(), `runs-${process.pid}`);

  process.stdout.write(`## Machine\n\n${machineInfo(repoRoot)}\n\n`);

  const rows: Row[] = [];
  const comparisons: string[] = [];
  const paired: string[] = [];
  let failures = 0;
  for (const benchCase of settings.cases) {
    const input = await benchCase.prepare(repoRoot);
    const caseLabel = `${benchCase.name} (${await describeInput(input)})`;
    const isBatch = statSync(input).isDirectory();
    const tools = settings.tools.filter((t) => !(isBatch && t.oneFileOnly));
    for (const t of settings.tools) if (!tools.includes(t)) process.stderr.write(`[${benchCase.name}] ${t.name}: skipped (it takes one file)\n`);
    const runs = new Map<BenchTool, Run[]>(tools.map((t) => [t, []]));

    // Alternate the tools within each repetition so drift on a shared machine hits all of them.
    for (let rep = 1; rep <= settings.repeat; rep++) {
      for (const tool of tools) {
        const outDir = join(runsDir, benchCase.name, `${slug(tool.name)}-${rep}`);
        process.stderr.write(`[${benchCase.name} ${rep}/${settings.repeat}] ${tool.name} ... `);
        const run = await runOnce(tool, input, outDir);
        const m = run.measurement;
        if (ok(m)) {
          process.stderr.write(`${m.wallSeconds.toFixed(1)} s, ${(m.peakTreeRssBytes / MB).toFixed(0)} MB, ${run.files} files\n`);
        } else {
          failures++;
          process.stderr.write(`FAILED (exit ${m.exitCode ?? m.signal})\n${m.stderrTail}\n`);
        }
        if (settings.keep) process.stderr.write(`  kept: ${outDir}\n`);
        else rmSync(outDir, { recursive: true, force: true });
        runs.get(tool)!.push(run);
      }
    }

    const caseRows = tools.map((t) => summarise(caseLabel, t, runs.get(t)!));
    const ref = reference ? caseRows[tools.indexOf(reference)] : undefined;
    for (const row of caseRows) {
      if (!ref || row.tool === ref.tool) continue;
      row.wallRatio = row.wallSeconds / ref.wallSeconds;
      row.rssRatio = row.peakTreeRssMB / ref.peakTreeRssMB;
    }
    // Each run against the reference run of the same round: this machine's speed drifts by
    // 20-30% within minutes, and adjacent runs share most of that drift.
    if (reference && settings.repeat > 1) {
      const refRuns = runs.get(reference)!;
      for (const tool of tools) {
        if (tool === reference || !tool.name.startsWith('agent')) continue;
        const ratios = runs.get(tool)!.flatMap((run, i) => {
          const a = run.measurement;
          const b = refRuns[i]?.measurement;
          return a && b && ok(a) && ok(b) ? [a.wallSeconds / b.wallSeconds] : [];
        });
        if (ratios.length === 0) continue;
        paired.push(
          `- ${caseLabel}: ${tool.name} ÷ ${reference.name}, round by round: ${ratios.map((r) => `${r.toFixed(2)}x`).join(', ')}; ` +
            `median ${median(ratios).toFixed(2)}x`,
        );
      }
    }
    for (const [i, tool] of tools.entries()) {
      const row = caseRows[i]!;
      const other = caseRows.find((r) => r.tool === tool.compareWith);
      if (!other) continue;
      const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
      comparisons.push(
        `- ${caseLabel}: ${row.tool} ÷ ${other.tool}: wall ${x(row.wallSeconds, other.wallSeconds)}, ` +
          `CPU ${x(row.cpuSeconds, other.cpuSeconds)}, peak RSS ${x(row.peakTreeRssMB, other.peakTreeRssMB)}`,
      );
    }
    rows.push(...caseRows);
  }
  if (!settings.keep) rmSync(runsDir, { recursive: true, force: true });

  process.stdout.write(`\n## Results (tile ${TILE_SIZE} px, JPEG Q${QUALITY}, IIIF 3; median of ${settings.repeat} run${settings.repeat > 1 ? 's' : ''})\n\n`);
  process.stdout.write(`${markdownTable(rows, reference?.name ?? '-')}\n\n`);
  if (comparisons.length > 0) process.stdout.write(`${comparisons.join('\n')}\n\n`);
  if (paired.length > 0) process.stdout.write(`Wall time against the reference run of the same round:\n\n${paired.join('\n')}\n\n`);
  process.stdout.write(
    [
      '- wall: spawn to exit of a fresh child process, Node start-up included; both run plain JavaScript (the agent its bundle, sharp bench/run-sharp.mjs).',
      '- CPU: user + sys of all threads of the child, from its own process.resourceUsage() at exit.',
      '- peak RSS (tree): largest sum of VmRSS over the child and its descendants, sampled every 50 ms from /proc;',
      '  maxRSS (own): the child\'s ru_maxrss (kernel high-water mark of that one process). Ratios use the tree figure.',
      '- files / MB: everything left in the output folder (tiles, info.json; for the agent also full/ sizes, manifest, stamp, collection).',
      '- --jobs is images at once: with a single input the agent uses one tiling worker either way, so the two agent rows',
      '  should differ only by noise (a difference there means the agent uses --jobs for something else).',
      '- The page cache is warm after the first run of each input; nothing is dropped between runs.',
    ].join('\n') + '\n',
  );
  if (settings.tools.includes(BROWSER_TOOL)) {
    process.stdout.write(
      [
        `- ${BROWSER_TOOL.name}: the web app's production build (vite build, served by vite preview) in a fresh Chromium with a new profile on disk;`,
        '  wall from the file selection to the row\'s data-state="done" (browser start and page load, including the engine\'s warm-up in the workers, excluded; each agent run includes its own start-up);',
        '  CPU (user + sys) and peak RSS summed over all Chromium processes from /proc over that interval (RSS includes',
        '  the idle browser, and pages shared between its processes count once per process); files / MB: the stored pack',
        '  (tiles, sizes, info.json, manifest.json; no stamp, no collection).',
      ].join('\n') + '\n',
    );
  }
  process.stdout.write(`- Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on this machine inflates wall time more than CPU time).\n`);
  if (settings.keep) process.stdout.write(`\nOutputs kept in ${runsDir}\n`);
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();
