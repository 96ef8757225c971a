// One of bench:train's whole-machine processes (BENCH_MACHINE=1; machine.ts forks N of them): the wasm-slmlab
// variant on one thread, driven over the IPC channel. `prepare` builds the model and runs its warm-up step;
// `go` (sent once every process is ready, so their timed windows overlap) times it and disposes of it.
import type { ExperimentSpec } from '@slmlab/core';
import { initBackend } from '../ml/backend.ts';
import { VARIANTS, makeTrainer, timeSteps, type Trainer } from './slmlab-trainer.ts';

export type ToChild = { op: 'prepare'; spec: ExperimentSpec; vocab: number } | { op: 'go'; seconds: number } | { op: 'exit' };
export type FromChild =
  | { op: 'started' }
  | { op: 'ready'; params: number }
  | { op: 'result'; tokensPerSec: number; steps: number; seconds: number; cpuPerWall: number }
  | { op: 'error'; message: string };

const send = (m: FromChild) => process.send!(m);

async function main() {
  await initBackend('wasm');
  VARIANTS['wasm-slmlab']();
  let current: { trainer: Trainer; spec: ExperimentSpec } | undefined;
  const handle = async (m: ToChild) => {
    if (m.op === 'exit') process.exit(0);
    if (m.op === 'prepare') {
      current?.trainer.dispose();
      current = { trainer: makeTrainer(m.spec, m.vocab), spec: m.spec };
      await current.trainer.step();
      return send({ op: 'ready', params: current.trainer.params });
    }
    if (!current) throw new Error('go before prepare');
    const timing = await timeSteps(current.trainer, current.spec, m.seconds);
    current.trainer.dispose();
    current = undefined;
    send({ op: 'result', ...timing });
  };
  process.on('message', (m: ToChild) => handle(m).catch((err: Error) => send({ op: 'error', message: err.stack ?? err.message })));
  process.on('disconnect', () => process.exit(0)); // the bench ended or died: so do we
  send({ op: 'started' });
}

await main();
