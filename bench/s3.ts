// Publishing speed: `agent sync` of many small files to a local S3-compatible server (s3rver),
// at the default concurrency, then a no-op resync over the same files.
//
//   node --import tsx bench/s3.ts [--files N] [--concurrency N] [--keep]
//
// Each sync runs as the user runs it, `agent sync DIR s3://bench/run --json`, in a child process;
// the table gives wall time (process start to exit) and the sync's own time from its report.
// s3rver is one Node process writing each object as files on disk: the figures measure this
// client against it on this machine, not what AWS S3 would sustain.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { S3RVER_CREDENTIALS, startS3rver } from '../test/helpers/s3.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(repoRoot, 'agent', 'bin', 'agent.js');
const BUCKET = 'bench';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    concurrency: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const FILES = Number(args.files);

/** Deterministic bytes (xorshift32): tiles-like sizes and incompressible content, same every run. */
function randomBytes(seed: number, length: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** FILES small files laid out like tiles: 500 per image folder, 1-4 KB each. */
function writeFiles(dir: string): number {
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const image = `image-${String(Math.floor(i / 500)).padStart(3, '0')}`;
    const n = i % 500;
    const folder = join(dir, image, `${(n % 25) * 256},${Math.floor(n / 25) * 256},256,256`, '256,', '0');
    mkdirSync(folder, { recursive: true });
    const data = randomBytes(i + 1, 1024 + ((i * 7919) % 3072));
    writeFileSync(join(folder, 'default.jpg'), data);
    bytes += data.length;
  }
  return bytes;
}

interface SyncRun {
  wallSeconds: number;
  report: { totals: { uploaded: number; skipped: number; failed: number; retries: number; seconds: number } };
}

function agentSync(dir: string, endpoint: string): Promise<SyncRun> {
  const extra = args.concurrency ? ['--concurrency', args.concurrency] : [];
  const argv = [AGENT, 'sync', dir, `s3://${BUCKET}/run`, '--endpoint', endpoint, '--path-style', '--json', ...extra];
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...S3RVER_CREDENTIALS }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) return fail(new Error(`agent sync exited with ${code}: ${stdout}`));
      done({ wallSeconds, report: JSON.parse(stdout) as SyncRun['report'] });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'tessella-bench-s3-'));
const s3 = await startS3rver([BUCKET]);
try {
  const dir = join(work, 'out');
  const bytes = writeFiles(dir);
  const full = await agentSync(dir, s3.endpoint);
  const noop = await agentSync(dir, s3.endpoint);
  if (full.report.totals.uploaded !== FILES || noop.report.totals.uploaded !== 0) {
    throw new Error(`unexpected totals: first ${JSON.stringify(full.report.totals)}, resync ${JSON.stringify(noop.report.totals)}`);
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `Machine: ${availableParallelism()} cores (${cpu}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}\n` +
      `Files: ${FILES} (${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / FILES)} B average), concurrency ${args.concurrency ?? 'default (16)'}, s3rver on loopback\n\n` +
      `| run | uploaded | skipped | retries | sync time (s) | wall time (s) | objects/s (sync) | objects/s (wall) |\n` +
      `|---|---:|---:|---:|---:|---:|---:|---:|\n`,
  );
  for (const [name, r] of [['first sync', full], ['no-op resync', noop]] as const) {
    const t = r.report.totals;
    process.stdout.write(
      `| ${name} | ${t.uploaded} | ${t.skipped} | ${t.retries} | ${t.seconds.toFixed(2)} | ${r.wallSeconds.toFixed(2)} | ${Math.round(FILES / t.seconds)} | ${Math.round(FILES / r.wallSeconds)} |\n`,
    );
  }
} finally {
  await s3.stop();
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`\nkept ${work}\n`);
}
