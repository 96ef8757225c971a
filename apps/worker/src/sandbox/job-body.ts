// The body of a sandbox, the same in a worker thread (thread.ts) and a child process (child.ts): start the
// backend, train one job, and speak the protocol over whatever channel carries it. Epochs and checkpoints
// wait for the process's acknowledgement (it records them); a `stop` aborts at the next step.
import { isRetryable } from '@slmlab/core';
import { initBackend } from '../ml/backend.ts';
import { loadCorpus } from '../ml/data/index.ts';
import type { ProcessMessage, SandboxMessage, StartMessage } from './protocol.ts';
import { runTraining } from './run-training.ts';

export interface Channel {
  /** `transfer`: buffers a thread may move instead of copy (a child process copies anyway). */
  post(m: SandboxMessage, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (m: ProcessMessage) => void): void;
}

export async function serveJob(channel: Channel, start: StartMessage): Promise<void> {
  const stop = new AbortController();
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 0;
  channel.onMessage((m) => {
    if (m.type === 'stop') stop.abort(m.reason);
    else if (m.type === 'ack') settle(m.id, m.error);
  });
  function settle(id: number, error?: string) {
    const p = pending.get(id);
    pending.delete(id);
    if (error === undefined) p?.resolve();
    else p?.reject(new Error(error));
  }
  /** Posts a message and waits for the process to acknowledge it. */
  const request = (make: (id: number) => SandboxMessage, transfer: ArrayBuffer[] = []) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      channel.post(make(id), transfer);
    });
  try {
    const backend = await initBackend(start.backend, start.backendOptions);
    const trained = await runTraining(
      start.input,
      {
        epoch: (metrics) => request((id) => ({ type: 'epoch', id, metrics })),
        progress: (progress) => channel.post({ type: 'progress', progress }),
        checkpoint: (bytes, at) => request((id) => ({ type: 'checkpoint', id, bytes, at }), [bytes.buffer as ArrayBuffer]),
        resumed: (info) => channel.post({ type: 'resumed', info }),
      },
      stop.signal,
      loadCorpus,
    );
    const output = { ...trained, ranOn: { name: backend.name, device: backend.device } };
    channel.post({ type: 'done', output }, [output.best.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    channel.post({ type: 'error', name: e.name, message: e.message, retryable: isRetryable(e), stack: e.stack });
  }
}
