// A worker thread does not inherit the process's `--import tsx`: this plain-JS entry registers tsx in the
// thread, then loads the TypeScript entry it was given.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
