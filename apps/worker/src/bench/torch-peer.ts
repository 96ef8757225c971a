// bench:train's side of the PyTorch peer (torch-peer.py): ONE long-lived python process per bench run, so
// torch's import (~2 s) is paid once, driven by JSON lines over its stdin/stdout, one command at a time.
// Where python cannot import torch the bench says so in one line and runs without the peer.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ExperimentSpec } from '@slmlab/core';

export const PEER_SCRIPT = fileURLToPath(new URL('./torch-peer.py', import.meta.url));
export const INSTALL_HINT = 'apt-get install python3-torch libopenblas0-pthread';
/** Below this a 1-thread 1024² sgemm is the reference BLAS (OpenBLAS gives 75–100 GFLOP/s on the project's machines). */
export const UNFAIR_PEAK_GFLOPS = 20;

export interface PeerInfo {
  torch: string;
  blas: string;
  openblas: boolean;
  ompWaitPolicy: string | null;
  cores: number;
}

export interface PeerTiming {
  params: number;
  tokensPerSec: number;
  steps: number;
  seconds: number;
  cpuPerWall: number;
  loss: number;
}

export interface PeerPeak {
  threads: number;
  n: number;
  gflops: number;
  cpuPerWall: number;
}

export class TorchPeer {
  private readonly pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited?: string;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.answer(line));
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.stdin.on('error', () => {}); // EPIPE once python has died: 'exit' says why
    child.on('error', (err) => this.fail(err.message));
    child.on('exit', (code, signal) => this.fail(`exited with ${signal ?? code}`));
  }

  /**
   * Starts the peer and asks what it runs on; returns why not when python or torch is missing. `prune`: its
   * last-token transformers compute only the last position of their last block, as slmlab does (default).
   */
  static async start(python: string, { prune = true } = {}): Promise<{ peer: TorchPeer; info: PeerInfo } | { missing: string }> {
    const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', SLMLAB_PEER_PRUNE: prune ? '1' : '0' };
    const child = spawn(python, [PEER_SCRIPT, 'serve'], { env });
    const peer = new TorchPeer(child);
    try {
      return { peer, info: await peer.request<PeerInfo>({ op: 'info' }) };
    } catch (err) {
      peer.close();
      return { missing: `${python} cannot run the peer with torch (${(err as Error).message})` };
    }
  }

  count(spec: ExperimentSpec, vocab: number): Promise<number> {
    return this.request<{ params: number }>({ op: 'count', spec, vocab }).then((r) => r.params);
  }

  /** Eval-mode loss of the peer's model given slmlab's weights (name → [shape, values]) and batch. */
  loss(spec: ExperimentSpec, vocab: number, weights: Record<string, [number[], number[]]>, x: Int32Array, y: Int32Array): Promise<number> {
    return this.request<{ loss: number }>({ op: 'loss', spec, vocab, weights, x: [...x], y: [...y] }).then((r) => r.loss);
  }

  train(spec: ExperimentSpec, vocab: number, threads: number, seconds: number): Promise<PeerTiming> {
    return this.request<PeerTiming>({ op: 'train', spec, vocab, threads, seconds });
  }

  peak(threads: number, trials = 5): Promise<PeerPeak> {
    return this.request<PeerPeak>({ op: 'peak', threads, n: 1024, trials, msPerTrial: 500 });
  }

  close(): void {
    this.child.stdin.end();
  }

  private request<T>(cmd: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  private answer(line: string) {
    const p = this.pending.shift();
    if (!p) return;
    let value: { error?: string };
    try {
      value = JSON.parse(line) as { error?: string };
    } catch {
      return p.reject(new Error(`the peer answered something that is not JSON: ${line.slice(0, 200)}`));
    }
    if (value.error) p.reject(new Error(`the peer failed: ${value.error}`));
    else p.resolve(value);
  }

  private fail(why: string) {
    const lastLine = this.stderr.trim().split('\n').pop();
    this.exited ??= lastLine ? `${why}: ${lastLine}` : why;
    for (const p of this.pending.splice(0)) p.reject(new Error(this.exited));
  }
}

/** The warning for a peer that would flatter slmlab: torch on the reference BLAS (~8× slower than OpenBLAS). */
export function unfairPeerWarning(info: PeerInfo, onePeak: number): string | undefined {
  if (info.openblas && onePeak >= UNFAIR_PEAK_GFLOPS) return undefined;
  const why = info.openblas ? `its 1-thread 1024² sgemm runs at ${onePeak.toFixed(1)} GFLOP/s` : `torch runs on ${info.blas}, not OpenBLAS`;
  return `WARNING: the PyTorch peer is unfair (${why}): install libopenblas0-pthread (${INSTALL_HINT}); ratios below flatter slmlab`;
}
