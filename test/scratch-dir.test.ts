// The agent's folders for libvips' temporary files: which ones a run may remove. (Killing a run
// and the next run cleaning up after it is tested end to end in rotated-big.test.ts.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScratchDir, sweepScratchDirs } from '../agent/lib/scratch-dir.ts';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has run and exited. */
function stoppedPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  return pid!;
}

describe('sweepScratchDirs', () => {
  it("removes only this machine's folders of stopped processes", () => {
    root = mkdtempSync(join(tmpdir(), 'tessella-sweep-test-'));
    const host = hostname();
    const dead = stoppedPid();
    const names = {
      stopped: `tessella-${host}-${dead}-a1b2c3`,
      running: `tessella-${host}-${process.ppid}-d4e5f6`,
      own: `tessella-${host}-${process.pid}-g7h8i9`,
      otherMachine: `tessella-elsewhere.example-${dead}-j1k2l3`,
      notOurs: `vips-${dead}.v`,
    };
    for (const name of Object.values(names)) mkdirSync(join(root, name));
    // A file inside, as a killed run leaves it.
    mkdirSync(join(root, names.stopped, 'vips-0-abc.v'));

    expect(sweepScratchDirs(root)).toEqual([names.stopped]);
    expect(readdirSync(root).sort()).toEqual([names.running, names.own, names.otherMachine, names.notOurs].sort());
  });

  it('a missing root is nothing to sweep', () => {
    root = join(tmpdir(), `tessella-sweep-missing-${process.pid}`);
    expect(sweepScratchDirs(root)).toEqual([]);
  });
});

describe('ScratchDir', () => {
  it('falls back to the root where it cannot make a folder, and never removes the root', () => {
    root = mkdtempSync(join(tmpdir(), 'tessella-scratch-test-'));
    const missing = join(root, 'not-there');
    const dir = new ScratchDir(missing);
    expect(dir.path).toBe(missing);
    dir.remove();
    expect(existsSync(root)).toBe(true);
  });

  it('makes a folder of its own per pool and removes it, with its handlers', () => {
    root = mkdtempSync(join(tmpdir(), 'tessella-scratch-test-'));
    const listeners = () => ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'].map((e) => process.listenerCount(e));
    const before = listeners();
    const a = new ScratchDir(root);
    const b = new ScratchDir(root);
    expect(a.path).not.toBe(b.path);
    for (const dir of [a, b]) {
      expect(existsSync(dir.path)).toBe(true);
      expect(dir.path.startsWith(join(root, `tessella-${hostname()}-${process.pid}-`))).toBe(true);
    }
    // A second pool of the same process never sweeps the first one's folder.
    expect(existsSync(a.path)).toBe(true);
    a.remove();
    a.remove();
    expect(existsSync(a.path)).toBe(false);
    expect(existsSync(b.path)).toBe(true);
    b.remove();
    expect(readdirSync(root)).toEqual([]);
    expect(listeners()).toEqual(before);
  });
});
