// A worker thread or a child process does not inherit the process's `--import tsx`: this plain-JS entry
// registers tsx, then loads the TypeScript entry it was given (a thread's workerData.entry, a child's argv[2]).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData?.entry ?? process.argv[2]);
