// Tile files written by a thread of their own (see file-writer-worker.ts). One such thread per
// tiling thread, started on first use and shared by the images it tiles one after the other.

import { Worker } from 'node:worker_threads';
import { workerEntry } from './entry-points.ts';

export type WriterRequest =
  | { type: 'write'; seq: number; root: string; path: string; bytes: Uint8Array }
  | { type: 'forget'; root: string };
export type WriterReply = { done: number[]; failed: Array<{ seq: number; message: string }> };

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

export class FileWriterThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  /** Write `bytes` to `path` under `root`, making folders as needed. */
  write(root: string, path: string, bytes: Uint8Array): Promise<void> {
    const worker = this.start();
    const seq = ++this.seq;
    // A copy of just these bytes, handed over: the caller keeps its buffer (it may be a view
    // into a bigger one, or be written to a second path).
    const own = bytes.slice();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'write', seq, root, path, bytes: own } satisfies WriterRequest, [own.buffer]);
    });
  }

  /** Drop what the thread remembers about `root` (its folders), once its writes are done. */
  forget(root: string): void {
    this.worker?.postMessage({ type: 'forget', root } satisfies WriterRequest);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { url, options } = workerEntry('file-writer-worker');
    const worker = new Worker(url, { ...options, stdout: false, stderr: false });
    worker.on('message', (reply: WriterReply) => {
      for (const seq of reply.done) this.settle(seq)?.resolve();
      for (const { seq, message } of reply.failed) this.settle(seq)?.reject(new Error(message));
    });
    const fail = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const seq of [...this.pending.keys()]) this.settle(seq)?.reject(new Error(why));
    };
    worker.on('error', (err) => fail(`the file-writing thread failed: ${err.message}`));
    worker.on('exit', (code) => fail(`the file-writing thread stopped (exit code ${code})`));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(seq: number): Pending | undefined {
    const p = this.pending.get(seq);
    this.pending.delete(seq);
    if (this.pending.size === 0) this.worker?.unref();
    return p;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
