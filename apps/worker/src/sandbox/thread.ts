// A training thread: one job, then the thread ends and its whole heap (tensors, wasm memory) goes with it.
// The process keeps the queue lock renewed meanwhile: nothing here can starve its event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { serveJob } from './job-body.ts';
import type { StartMessage } from './protocol.ts';

const port = parentPort!;
await serveJob(
  { post: (m, transfer = []) => port.postMessage(m, transfer), onMessage: (handler) => port.on('message', handler) },
  (workerData as { start: StartMessage }).start,
);
