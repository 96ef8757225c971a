// bench:train's whole-machine measurement (BENCH_MACHINE=1): N slmlab processes (N = os.availableParallelism(),
// each machine-child.ts training the same model on one thread, as N workers would) whose tokens/s are summed.
// The processes live for the whole run; every measurement starts them together once all have warmed up.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExperimentSpec } from '@slmlab/core';
import type { FromChild, ToChild } from './machine-child.ts';

const CHILD = fileURLToPath(new URL('./machine-child.ts', import.meta.url));

class Child {
  private readonly inbox: FromChild[] = [];
  private waiting?: { resolve: (m: FromChild) => void; reject: (e: Error) => void };
  private dead?: string;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: FromChild) => (this.waiting ? (this.waiting.resolve(m), (this.waiting = undefined)) : this.inbox.push(m)));
    proc.on('exit', (code, signal) => {
      this.dead = `a whole-machine bench process exited with ${signal ?? code}`;
      this.waiting?.reject(new Error(this.dead));
    });
  }

  send(m: ToChild) {
    this.proc.send(m);
  }

  /** The next message, which must be `op` (an error message from the child is thrown). */
  async next<K extends FromChild['op']>(op: K): Promise<Extract<FromChild, { op: K }>> {
    const m = this.inbox.shift() ?? (this.dead ? Promise.reject(new Error(this.dead)) : new Promise<FromChild>((resolve, reject) => (this.waiting = { resolve, reject })));
    const got = await m;
    if (got.op === 'error') throw new Error(`whole-machine bench process: ${got.message}`);
    if (got.op !== op) throw new Error(`whole-machine bench process sent ${got.op}, expected ${op}`);
    return got as Extract<FromChild, { op: K }>;
  }
}

export interface FleetTiming {
  /** Tokens/s of all processes together. */
  tokensPerSec: number;
  each: { tokensPerSec: number; steps: number; cpuPerWall: number }[];
  params: number;
}

export class SlmlabFleet {
  private constructor(private readonly children: Child[]) {}

  static async start(n: number): Promise<SlmlabFleet> {
    const children = Array.from({ length: n }, () => new Child(fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
    await Promise.all(children.map((c) => c.next('started')));
    return new SlmlabFleet(children);
  }

  get size() {
    return this.children.length;
  }

  async measure(spec: ExperimentSpec, vocab: number, seconds: number): Promise<FleetTiming> {
    for (const c of this.children) c.send({ op: 'prepare', spec, vocab });
    const ready = await Promise.all(this.children.map((c) => c.next('ready')));
    for (const c of this.children) c.send({ op: 'go', seconds });
    const each = await Promise.all(this.children.map((c) => c.next('result')));
    return {
      tokensPerSec: each.reduce((s, r) => s + r.tokensPerSec, 0),
      each: each.map(({ tokensPerSec, steps, cpuPerWall }) => ({ tokensPerSec, steps, cpuPerWall })),
      params: ready[0]!.params,
    };
  }

  close() {
    for (const c of this.children) if (c.proc.connected) c.send({ op: 'exit' });
  }
}
