// The study's windowing: an input window is T consecutive tokens, the target the token right after it
// (all-tokens objective: every position's next token). Training draws windows with uniformly random starts;
// evaluation takes the first N windows at stride 1.
import type { Rng } from '../rng.ts';

export type Targets = 'last' | 'all';

export interface Batch {
  /** [B, T] token ids, row-major. */
  x: Int32Array;
  /** [B] next-token targets (last), or [B, T] (all: x shifted by one). */
  y: Int32Array;
  size: number;
}

/**
 * Windows a split of n tokens offers: n − T − 1, the study's count (its 80,000 PTB train tokens give 79,935
 * windows at T=64). This leaves out the one last window that would still have a target.
 */
export function windowCount(tokens: Int32Array, T: number): number {
  return Math.max(0, tokens.length - T - 1);
}

function fill(tokens: Int32Array, T: number, starts: ArrayLike<number>, targets: Targets): Batch {
  const B = starts.length;
  const x = new Int32Array(B * T);
  const y = new Int32Array(targets === 'all' ? B * T : B);
  for (let b = 0; b < B; b++) {
    const s = starts[b]!;
    x.set(tokens.subarray(s, s + T), b * T);
    if (targets === 'all') y.set(tokens.subarray(s + 1, s + T + 1), b * T);
    else y[b] = tokens[s + T]!;
  }
  return { x, y, size: B };
}

/** `size` training windows with uniformly random starts. */
export function randomBatch(tokens: Int32Array, T: number, size: number, rng: Rng, targets: Targets = 'last'): Batch {
  const n = windowCount(tokens, T);
  if (n <= 0) throw new Error(`a split of ${tokens.length} tokens holds no window of T=${T}`);
  const starts = new Int32Array(size);
  for (let i = 0; i < size; i++) starts[i] = rng.int(n);
  return fill(tokens, T, starts, targets);
}

/** The first `limit` windows at stride 1, in batches (the last may be short). */
export function* evalBatches(tokens: Int32Array, T: number, limit: number, batchSize: number, targets: Targets = 'last'): Generator<Batch> {
  const n = Math.min(limit, windowCount(tokens, T));
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const starts = Int32Array.from({ length: size }, (_, i) => start + i);
    yield fill(tokens, T, starts, targets);
  }
}

/** Batch sizes of one epoch of `windows` windows: full batches, then one short batch for the remainder. */
export function epochBatchSizes(windows: number, batchSize: number): number[] {
  const sizes = Array<number>(Math.floor(windows / batchSize)).fill(batchSize);
  if (windows % batchSize) sizes.push(windows % batchSize);
  return sizes;
}
