// Tile files written by another thread than the one that decodes and encodes: a tiling worker
// posts each file over a MessagePort to the CLI's main thread, which writes it with plain
// synchronous calls (mkdir/open/write/close: about 0.1 ms of CPU per tile here, 0.2 s for the
// 100 Mpx photo's 2,145 files) and is otherwise idle while images are tiled. The main thread
// rather than a thread of its own: each Node worker costs ~75 ms of CPU and a few thousand page
// faults to start, one per tiling worker.

import type { MessagePort } from 'node:worker_threads';
import { FolderFiles } from './folder-files.ts';

export type WriterRequest =
  | { type: 'write'; seq: number; root: string; path: string; bytes: Uint8Array }
  | { type: 'forget'; root: string };
export type WriterReply = { done: number[]; failed: Array<{ seq: number; message: string }> };

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

/** The tiling thread's end: writes go over `port` to serveFileWrites on the other end. */
export class FileWriterPort {
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (reply: WriterReply) => {
      for (const seq of reply.done) this.settle(seq)?.resolve();
      for (const { seq, message } of reply.failed) this.settle(seq)?.reject(new Error(message));
    });
    port.on('close', () => this.fail('the file-writing thread is gone'));
    // Only pending writes keep this thread alive (see settle).
    port.unref();
  }

  /** Write `bytes` to `path` under `root`, making folders as needed. */
  write(root: string, path: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the file-writing thread is gone'));
    const seq = ++this.seq;
    // A copy of just these bytes, handed over: the caller keeps its buffer (it may be a view
    // into a bigger one, or be written to a second path).
    const own = bytes.slice();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      if (this.pending.size === 1) this.port.ref();
      this.port.postMessage({ type: 'write', seq, root, path, bytes: own } satisfies WriterRequest, [own.buffer]);
    });
  }

  /** Drop what the other end remembers about `root` (its folders), once its writes are done. */
  forget(root: string): void {
    if (!this.closed) this.port.postMessage({ type: 'forget', root } satisfies WriterRequest);
  }

  close(): void {
    this.port.close();
  }

  private fail(why: string): void {
    this.closed = true;
    for (const seq of [...this.pending.keys()]) this.settle(seq)?.reject(new Error(why));
  }

  private settle(seq: number): Pending | undefined {
    const p = this.pending.get(seq);
    this.pending.delete(seq);
    if (this.pending.size === 0) this.port.unref();
    return p;
  }
}

/**
 * Write the files that come over `port` (from a FileWriterPort). Replies go back in batches,
 * one message for whatever was written since the last one. Never keeps the process alive.
 */
export function serveFileWrites(port: MessagePort): void {
  const folders = new Map<string, FolderFiles>();
  let reply: WriterReply = { done: [], failed: [] };
  let replyScheduled = false;
  const send = (): void => {
    replyScheduled = false;
    port.postMessage(reply);
    reply = { done: [], failed: [] };
  };
  port.on('message', (msg: WriterRequest) => {
    if (msg.type === 'forget') {
      folders.delete(msg.root);
      return;
    }
    try {
      let folder = folders.get(msg.root);
      if (!folder) folders.set(msg.root, (folder = new FolderFiles(msg.root)));
      folder.write(msg.path, msg.bytes);
      reply.done.push(msg.seq);
    } catch (err) {
      reply.failed.push({ seq: msg.seq, message: (err as Error).message });
    }
    if (!replyScheduled) {
      replyScheduled = true;
      setImmediate(send);
    }
  });
  port.unref();
}
