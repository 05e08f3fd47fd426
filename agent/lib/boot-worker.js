// Worker-thread entry: TypeScript loading is per thread, so register tsx here too, then run
// the module named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
