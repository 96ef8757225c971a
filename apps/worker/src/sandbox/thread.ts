// The body of a training thread: one job, then the thread ends and its whole heap (tensors, wasm memory) goes
// with it. The process keeps the queue lock renewed meanwhile: nothing here can starve its event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../ml/backend.ts';
import { loadCorpus } from '../ml/data/index.ts';
import type { ProcessMessage, StartMessage, ThreadMessage } from './protocol.ts';
import { runTraining } from './run-training.ts';

const port = parentPort!;
const { start } = workerData as { start: StartMessage };
const stop = new AbortController();
const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextId = 0;

port.on('message', (m: ProcessMessage) => {
  if (m.type === 'stop') stop.abort(m.reason);
  else if (m.type === 'ack') settle(m.id, m.error);
});

function settle(id: number, error?: string) {
  const p = pending.get(id);
  pending.delete(id);
  if (error === undefined) p?.resolve();
  else p?.reject(new Error(error));
}

function post(m: ThreadMessage, transfer: ArrayBuffer[] = []) {
  port.postMessage(m, transfer);
}

/** Posts a message and waits for the process to acknowledge it. */
function request(make: (id: number) => ThreadMessage, transfer: ArrayBuffer[] = []): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post(make(id), transfer);
  });
}

async function main() {
  await initBackend(start.backend);
  const output = await runTraining(
    start.input,
    {
      epoch: (metrics) => request((id) => ({ type: 'epoch', id, metrics })),
      progress: (progress) => post({ type: 'progress', progress }),
      checkpoint: (bytes, at) => request((id) => ({ type: 'checkpoint', id, bytes, at }), [bytes.buffer as ArrayBuffer]),
      resumed: (info) => post({ type: 'resumed', info }),
    },
    stop.signal,
    loadCorpus,
  );
  post({ type: 'done', output }, [output.best.buffer as ArrayBuffer]);
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
});
