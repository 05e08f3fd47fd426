// The file-writing thread: writes tile files with plain synchronous calls, so that the thread
// that decodes and encodes never waits for mkdir/open/write/close (about 1 ms per tile here).

import { parentPort } from 'node:worker_threads';
import { FolderFiles } from './folder-files.ts';
import type { WriterReply, WriterRequest } from './file-writer.ts';

const port = parentPort!;
const folders = new Map<string, FolderFiles>();
let reply: WriterReply = { done: [], failed: [] };
let replyScheduled = false;

/** Replies go back in batches, one message for whatever was written since the last one. */
function send(): void {
  replyScheduled = false;
  port.postMessage(reply);
  reply = { done: [], failed: [] };
}

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
