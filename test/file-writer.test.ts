// Tile files written at the other end of a MessagePort (the pool's main thread, for a tiling
// worker): the right bytes at the right paths, the caller's buffers left alone, failures
// reported per file, and publishing as atomic as in place.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { FileWriterPort, serveFileWrites } from '../agent/lib/file-writer.ts';
import { FolderSink } from '../agent/lib/folder-sink.ts';
import { filesUnder } from './helpers/files.ts';

let dir: string;
const channel = new MessageChannel();
serveFileWrites(channel.port2);
const thread = new FileWriterPort(channel.port1);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessella-writer-'));
});
afterAll(() => {
  thread.close();
  rmSync(dir, { recursive: true, force: true });
});

const tilePath = (i: number) => `${i * 256},0,256,256/256,/0/default.jpg`;

describe('file writes over a port', () => {
  it('writes every file of an image, which appears only at commit', async () => {
    const sink = new FolderSink(join(dir, 'out'), thread);
    const writer = await sink.begin('img');
    // Views into one shared buffer, as a split row JPEG gives: each must land alone.
    const all = new Uint8Array(300 * 10).map((_, i) => i % 251);
    const views = Array.from({ length: 300 }, (_, i) => all.subarray(i * 10, i * 10 + 10));
    await Promise.all(views.map((bytes, i) => writer.put(tilePath(i), bytes, 'image/jpeg')));
    await writer.put('info.json', new TextEncoder().encode('{}'), 'application/json');
    expect(existsSync(join(dir, 'out', 'img'))).toBe(false);
    await writer.commit();
    const files = filesUnder(join(dir, 'out', 'img'));
    expect(files.size).toBe(301);
    views.forEach((bytes, i) => expect(files.get(tilePath(i))!.equals(bytes), tilePath(i)).toBe(true));
    // The caller still has its bytes: they were copied, not taken.
    expect(all.byteLength).toBe(3000);
    expect(all[2999]).toBe(2999 % 251);
  });

  it('fails a write that cannot be made, with the reason, and goes on with the next', async () => {
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'a file where a folder should be');
    await expect(thread.write(blocked, 'x/y.jpg', new Uint8Array([1]))).rejects.toThrow(/ENOTDIR|not a directory/);
    const ok = join(dir, 'ok');
    mkdirSync(ok);
    await thread.write(ok, 'a/b/c.jpg', new Uint8Array([1, 2, 3]));
    expect([...readFileSync(join(ok, 'a/b/c.jpg'))]).toEqual([1, 2, 3]);
  });

  it('aborting an image leaves nothing behind', async () => {
    const sink = new FolderSink(join(dir, 'aborted'), thread);
    const writer = await sink.begin('gone');
    await writer.put(tilePath(1), new Uint8Array([9]), 'image/jpeg');
    await writer.abort();
    expect(existsSync(join(dir, 'aborted', 'gone'))).toBe(false);
    expect(filesUnder(join(dir, 'aborted')).size).toBe(0);
  });

  it('fails the writes still pending when the other end goes, and every later one', async () => {
    const { port1, port2 } = new MessageChannel();
    // An end that never answers, then closes: as a pool's main thread whose worker is ended.
    port2.on('message', () => port2.close());
    const writer = new FileWriterPort(port1);
    await expect(writer.write(join(dir, 'never'), 'a.jpg', new Uint8Array([1]))).rejects.toThrow(/file-writing thread is gone/);
    await expect(writer.write(join(dir, 'never'), 'b.jpg', new Uint8Array([2]))).rejects.toThrow(/file-writing thread is gone/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
