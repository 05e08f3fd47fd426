// Run one command in a fresh child process and measure it from outside: wall time, CPU time,
// peak resident memory of its whole process tree, and the files it left in an output folder.
//
// Two memory figures, because they answer different questions:
// - peakTreeRss: every ~50 ms, the VmRSS of the child and all its descendants (from /proc) is
//   summed; the largest sum is kept. Catches helper processes; can miss a spike shorter than 50 ms.
// - ownMaxRss: the child's own ru_maxrss (kernel high-water mark, exact, but this process only),
//   reported by a tiny probe the child loads with `--import` (see USAGE_PROBE).
// CPU time (user + sys, all threads) also comes from the probe's process.resourceUsage(); if the
// probe could not report, the last /proc sample of the tree is used instead (can miss the last 50 ms).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SAMPLE_MS = 50;
const CLOCK_TICKS = 100; // USER_HZ on Linux, the unit of utime/stime in /proc/<pid>/stat
const USAGE_ENV = 'TESSELLA_BENCH_USAGE_FILE';

/**
 * An ES module given to the child as `node --import <this> ...`: when the main thread exits it
 * writes process.resourceUsage() (RUSAGE_SELF: all threads, worker threads included) to a file.
 * A data: URL, so the measured program itself is run unchanged.
 */
export const USAGE_PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    `import { isMainThread } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
const file = process.env.${USAGE_ENV};
if (isMainThread && file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));`,
  );

export interface Measurement {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
  cpuSeconds: number;
  /** 'rusage' (probe in the child) or 'proc' (last /proc sample of the tree). */
  cpuSource: 'rusage' | 'proc';
  peakTreeRssBytes: number;
  /** ru_maxrss of the child process itself; null when the probe did not report. */
  ownMaxRssBytes: number | null;
  /** Most processes seen at once in the tree (1 = no helper processes). */
  maxProcesses: number;
  /** The end of the child's stderr, to explain a failure. */
  stderrTail: string;
}

interface ProcSample {
  rssBytes: number;
  cpuTicks: number;
}

/** pid -> parent pid for every process visible in /proc. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may itself contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return parents;
}

function treeOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentMap()) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const tree: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
    return { rssBytes: rssKb * 1024, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Summed RSS and CPU ticks of a process and all its descendants, now. */
export function sampleTree(root: number): ProcSample & { processes: number } {
  let rssBytes = 0;
  let cpuTicks = 0;
  let processes = 0;
  for (const pid of treeOf(root)) {
    const s = sampleProcess(pid);
    if (!s) continue;
    rssBytes += s.rssBytes;
    cpuTicks += s.cpuTicks;
    processes++;
  }
  return { rssBytes, cpuTicks, processes };
}

/** Run `command args` to completion and measure it. Node commands should load USAGE_PROBE first. */
export async function measureChild(command: string, args: string[], cwd: string): Promise<Measurement> {
  const probeDir = mkdtempSync(join(tmpdir(), 'tessella-bench-usage-'));
  const usageFile = join(probeDir, 'usage.json');
  const started = performance.now();
  const child = spawn(command, args, { cwd, env: { ...process.env, [USAGE_ENV]: usageFile }, stdio: ['ignore', 'ignore', 'pipe'] });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let peakTreeRssBytes = 0;
  let lastCpuTicks = 0;
  let maxProcesses = 0;
  const sample = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const s = sampleTree(child.pid);
    if (s.processes === 0) return;
    peakTreeRssBytes = Math.max(peakTreeRssBytes, s.rssBytes);
    lastCpuTicks = Math.max(lastCpuTicks, s.cpuTicks);
    maxProcesses = Math.max(maxProcesses, s.processes);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  sample();

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(timer);

  let usage: NodeJS.ResourceUsage | undefined;
  try {
    usage = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage;
  } catch {
    usage = undefined;
  }
  rmSync(probeDir, { recursive: true, force: true });

  return {
    exitCode: code,
    signal,
    wallSeconds,
    cpuSeconds: usage ? (usage.userCPUTime + usage.systemCPUTime) / 1e6 : lastCpuTicks / CLOCK_TICKS,
    cpuSource: usage ? 'rusage' : 'proc',
    peakTreeRssBytes,
    ownMaxRssBytes: usage ? usage.maxRSS * 1024 : null, // ru_maxrss is in kilobytes on Linux
    maxProcesses,
    stderrTail: stderr,
  };
}

/** Number of regular files under dir and their total size in bytes. */
export function countOutput(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  try {
    walk(dir);
  } catch {
    // No output folder: nothing written.
  }
  return { files, bytes };
}
