// The agent raises V8's wasm tiering budget at run time (agent/lib/wasm-tiering.ts). Flags set
// after V8 has started do not all take effect, and a Node upgrade could make this one a silent
// no-op: this checks, through V8's own trace, that far fewer of libvips' functions are
// recompiled by TurboFan, that a budget on node's command line is left alone, and that the
// tiles are the same either way.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder } from './helpers/files.ts';

const ROOT = resolve(__dirname, '..');
const AGENT = join(ROOT, 'agent', 'bin', 'agent.js');
const PHOTO = resolve(ROOT, '..', 'shared', 'images', 'Kleiber_by_Lukas_Baubkus.jpg');
const V8_DEFAULT_BUDGET = '--wasm-tiering-budget=1800000';

const work = mkdtempSync(join(tmpdir(), 'tessella-tiering-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Tiles the photo with V8 tracing its wasm compilations; returns how many used TurboFan. */
function tileTracing(nodeFlags: string[], out: string): Promise<{ code: number | null; turbofan: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--trace-wasm-compilation-times', ...nodeFlags, AGENT, 'tile', PHOTO, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, turbofan: stdout.split('\n').filter((l) => l.includes('using TurboFan')).length, stderr }));
  });
}

describe('wasm tiering budget', () => {
  it('has TurboFan recompile only the hot functions, unless node is given a budget, with the same tiles', async () => {
    const ours = await tileTracing([], join(work, 'ours'));
    const v8Default = await tileTracing([V8_DEFAULT_BUDGET], join(work, 'default'));
    expect(ours.code, ours.stderr).toBe(0);
    expect(v8Default.code, v8Default.stderr).toBe(0);
    // Measured on this photo: about 14 against about 170.
    expect(ours.turbofan).toBeGreaterThan(0);
    expect(v8Default.turbofan).toBeGreaterThan(4 * ours.turbofan);

    const a = filesUnder(join(work, 'ours'));
    const b = filesUnder(join(work, 'default'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [path, bytes] of a) if (path.endsWith('.jpg')) expect(bytes.equals(b.get(path)!), path).toBe(true);
  }, 120_000);
});
