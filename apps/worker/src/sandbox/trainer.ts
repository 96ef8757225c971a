// How a worker process runs a job's training: in a worker thread of its own (the default; see thread.ts), or
// in the process's own thread (SLMLAB_SANDBOX=none: for backends that cannot load in a thread). Both run the
// same runTraining(); only the transport differs.
import { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../ml/backend.ts';
import type { Corpus, DataLocation } from '../ml/data/index.ts';
import type { ExperimentSpec } from '@slmlab/core';
import type { ProcessMessage, StartMessage, ThreadMessage } from './protocol.ts';
import { runTraining, type TrainEvents, type TrainInput, type TrainOutput } from './run-training.ts';

export type Trainer = (input: TrainInput, events: TrainEvents, signal: AbortSignal) => Promise<TrainOutput>;

export const SANDBOX_CHOICES = ['thread', 'none'] as const;
export type SandboxChoice = (typeof SANDBOX_CHOICES)[number];

/** An error raised in the training thread, with its original name (the processor decides retries by name). */
export class ThreadError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

type CorpusLoader = (dataset: ExperimentSpec['dataset'], where: DataLocation) => Promise<Corpus>;

/** In this thread; each data set is read and tokenised once per process (a failed load is not kept). */
export function inProcessTrainer(loadCorpus: CorpusLoader): Trainer {
  const cache = new Map<string, Promise<Corpus>>();
  const cached: CorpusLoader = (dataset, where) => {
    let p = cache.get(dataset);
    if (!p) {
      p = loadCorpus(dataset, where);
      p.catch(() => cache.delete(dataset));
      cache.set(dataset, p);
    }
    return p;
  };
  return (input, events, signal) => runTraining(input, events, signal, cached);
}

export function threadTrainer(backend: BackendChoice): Trainer {
  return (input, events, signal) =>
    new Promise<TrainOutput>((resolve, reject) => {
      const start: StartMessage = { input, backend };
      const thread = new Worker(new URL('./boot.mjs', import.meta.url), {
        workerData: { entry: new URL('./thread.ts', import.meta.url).href, start },
      });
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        f();
        // Ends the thread and frees its heap, wasm memory included.
        void thread.terminate();
      };
      const send = (m: ProcessMessage) => thread.postMessage(m);
      const onAbort = () => send({ type: 'stop', reason: String(signal.reason) });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const ack = (id: number, work: Promise<void>) =>
        work.then(
          () => send({ type: 'ack', id }),
          (err: unknown) => send({ type: 'ack', id, error: err instanceof Error ? err.message : String(err) }),
        );
      thread.on('message', (m: ThreadMessage) => {
        switch (m.type) {
          case 'epoch':
            return void ack(m.id, events.epoch(m.metrics));
          case 'checkpoint':
            return void ack(m.id, events.checkpoint(m.bytes, m.at));
          case 'progress':
            return events.progress(m.progress);
          case 'resumed':
            return events.resumed(m.info);
          case 'done':
            return finish(() => resolve(m.output));
          case 'error':
            return finish(() => reject(new ThreadError(m.name, m.message, m.stack)));
        }
      });
      thread.on('error', (err) => finish(() => reject(err)));
      thread.on('exit', (code) => finish(() => reject(new Error(`the training thread exited (code ${code}) before it finished`))));
    });
}
