// Machine description and the results table (markdown).

import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

function packageVersion(repoRoot: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function wasmLibvipsVersion(repoRoot: string): string {
  try {
    const v = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'wasm-vips', 'versions.json'), 'utf8')) as { vips?: string };
    return v.vips ?? '?';
  } catch {
    return '?';
  }
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // Not Linux: fall back to what Node knows.
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(repoRoot: string): string {
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return [
    `- CPU: ${cpuModel()}, ${cpus().length} logical cores (${availableParallelism()} available to Node)`,
    `- Memory: ${gib} GiB; load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- Node ${process.version}, ${process.platform} ${process.arch}`,
    `- wasm-vips ${packageVersion(repoRoot, 'wasm-vips')} (libvips ${wasmLibvipsVersion(repoRoot)})`,
    `- sharp ${packageVersion(repoRoot, 'sharp')} (libvips ${sharp.versions.vips}), sharp.concurrency() = ${sharp.concurrency()}`,
  ].join('\n');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Row {
  caseLabel: string;
  tool: string;
  runs: number;
  failed: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakTreeRssMB: number;
  ownMaxRssMB: number | null;
  files: number;
  outputMB: number;
  /** wall and peak RSS divided by the reference tool's, same case; null for the reference itself. */
  wallRatio: number | null;
  rssRatio: number | null;
}

export function markdownTable(rows: Row[], referenceTool: string): string {
  const head = ['case', 'tool', 'runs', 'wall s', 'CPU s', 'peak RSS MB (tree)', 'maxRSS MB (own)', 'files', 'MB', `wall ÷ ${referenceTool}`, `RSS ÷ ${referenceTool}`];
  const cells = rows.map((r) => [
    r.caseLabel,
    r.tool,
    r.failed > 0 ? `${r.runs} (${r.failed} failed)` : String(r.runs),
    r.wallSeconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    r.peakTreeRssMB.toFixed(0),
    r.ownMaxRssMB === null ? '-' : r.ownMaxRssMB.toFixed(0),
    String(r.files),
    r.outputMB.toFixed(1),
    r.wallRatio === null ? '-' : `${r.wallRatio.toFixed(2)}x`,
    r.rssRatio === null ? '-' : `${r.rssRatio.toFixed(2)}x`,
  ]);
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [line(head), line(head.map((h, i) => (i < 2 ? '---' : '---:'))), ...cells.map(line)].join('\n');
}
