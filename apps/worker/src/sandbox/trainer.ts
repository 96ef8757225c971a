// How a worker process runs a job's training: in a sandbox of its own — a worker thread (wasm, cpu) or a
// child process (native and GPU backends) — or in the process's own thread (SLMLAB_SANDBOX=none). All run the
// same runTraining(); only the transport differs.
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { BackendName, BackendOptions } from '../ml/backend.ts';
import type { Corpus, DataLocation } from '../ml/data/index.ts';
import type { ExperimentSpec } from '@slmlab/core';
import type { ProcessMessage, SandboxMessage, StartMessage } from './protocol.ts';
import { runTraining, type TrainEvents, type TrainInput, type TrainOutput } from './run-training.ts';

export type Trainer = (input: TrainInput, events: TrainEvents, signal: AbortSignal) => Promise<TrainOutput>;

export const SANDBOX_CHOICES = ['auto', 'thread', 'process', 'none'] as const;
export type SandboxChoice = (typeof SANDBOX_CHOICES)[number];
export type Sandbox = Exclude<SandboxChoice, 'auto'>;

/**
 * `auto`: a child process per job for libtensorflow (its binding keeps one process-global backend, so it
 * breaks in a second thread: tfjs#8388) and for webgpu (a GPU device's memory is surely freed only when its
 * process ends); a thread for wasm and cpu, which are safe there and start faster.
 */
export function resolveSandbox(choice: SandboxChoice, backend: BackendName): Sandbox {
  if (choice !== 'auto') return choice;
  return backend === 'wasm' || backend === 'cpu' ? 'thread' : 'process';
}

/** An error raised in the sandbox, with its original name and whether a retry could help (isRetryable). */
export class SandboxError extends Error {
  constructor(name: string, message: string, readonly retryable: boolean, stack?: string) {
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

/** One running sandbox, thread or process, seen from the worker process. */
interface Host {
  send(m: ProcessMessage): void;
  onMessage(handler: (m: SandboxMessage) => void): void;
  /** How the sandbox ended, if it ends (crash, exit, killed) before its `done` or `error` message. */
  onEnd(handler: (err: Error) => void): void;
  /** Ends it now, freeing all it holds. */
  kill(): void;
}

const BOOT = new URL('./boot.mjs', import.meta.url);

function threadHost(start: StartMessage): Host {
  const thread = new Worker(BOOT, { workerData: { entry: new URL('./thread.ts', import.meta.url).href, start } });
  return {
    send: (m) => thread.postMessage(m),
    onMessage: (h) => void thread.on('message', h),
    onEnd: (h) => {
      thread.on('error', h);
      thread.on('exit', (code) => h(new Error(`the training thread exited (code ${code}) before it finished`)));
    },
    kill: () => void thread.terminate(),
  };
}

function processHost(start: StartMessage): Host {
  const child = fork(BOOT, [new URL('./child.ts', import.meta.url).href], {
    serialization: 'advanced', // structured clone: typed arrays cross as such
    // Not the parent's flags (a test runner's --test, tsx's loader): boot.mjs registers tsx itself.
    execArgv: process.execArgv.filter((a) => /^--(max-old-space-size|experimental-wasm|stack-size)/.test(a)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.send({ type: 'start', start } satisfies ProcessMessage);
  return {
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (h) => void child.on('message', h),
    onEnd: (h) => {
      child.on('error', h);
      child.on('exit', (code, signal) => h(new Error(`the training process exited (${signal ?? `code ${code}`}) before it finished`)));
    },
    // SIGKILL: the job is over (its result is here), and a native binding must not get to linger at exit.
    kill: () => void child.kill('SIGKILL'),
  };
}

export function threadTrainer(backend: BackendName, backendOptions: BackendOptions = {}): Trainer {
  return sandboxTrainer(threadHost, backend, backendOptions);
}

export function processTrainer(backend: BackendName, backendOptions: BackendOptions = {}): Trainer {
  return sandboxTrainer(processHost, backend, backendOptions);
}

function sandboxTrainer(spawn: (start: StartMessage) => Host, backend: BackendName, backendOptions: BackendOptions): Trainer {
  return (input, events, signal) =>
    new Promise<TrainOutput>((resolve, reject) => {
      const host = spawn({ input, backend, backendOptions });
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        f();
        host.kill(); // frees its heap, wasm memory and GPU device included
      };
      const onAbort = () => host.send({ type: 'stop', reason: String(signal.reason) });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const ack = (id: number, work: Promise<void>) =>
        work.then(
          () => host.send({ type: 'ack', id }),
          (err: unknown) => host.send({ type: 'ack', id, error: err instanceof Error ? err.message : String(err) }),
        );
      host.onMessage((m) => {
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
            return finish(() => reject(new SandboxError(m.name, m.message, m.retryable, m.stack)));
        }
      });
      host.onEnd((err) => finish(() => reject(err)));
    });
}

/** The trainer a worker uses for its backend and SLMLAB_SANDBOX. */
export function trainerFor(sandbox: Sandbox, backend: BackendName, backendOptions: BackendOptions, loadCorpus: CorpusLoader): Trainer {
  if (sandbox === 'thread') return threadTrainer(backend, backendOptions);
  if (sandbox === 'process') return processTrainer(backend, backendOptions);
  return inProcessTrainer(loadCorpus);
}
