// The study's windowing: an input window is T consecutive tokens, the target the token right after it.
// Training draws windows with uniformly random starts; evaluation takes the first N windows at stride 1.
import type { Rng } from '../rng.ts';

export interface Batch {
  /** [B, T] token ids, row-major. */
  x: Int32Array;
  /** [B] next-token targets. */
  y: Int32Array;
  size: number;
}

/** How many windows of length T (each with a target) a split holds. */
export function windowCount(tokens: Int32Array, T: number): number {
  return Math.max(0, tokens.length - T);
}

function fill(tokens: Int32Array, T: number, starts: ArrayLike<number>): Batch {
  const B = starts.length;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const s = starts[b]!;
    x.set(tokens.subarray(s, s + T), b * T);
    y[b] = tokens[s + T]!;
  }
  return { x, y, size: B };
}

/** `size` training windows with uniformly random starts. */
export function randomBatch(tokens: Int32Array, T: number, size: number, rng: Rng): Batch {
  const n = windowCount(tokens, T);
  const starts = new Int32Array(size);
  for (let i = 0; i < size; i++) starts[i] = rng.int(n);
  return fill(tokens, T, starts);
}

/** The first `limit` windows at stride 1, in batches (the last may be short). */
export function* evalBatches(tokens: Int32Array, T: number, limit: number, batchSize: number): Generator<Batch> {
  const n = Math.min(limit, windowCount(tokens, T));
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const starts = Int32Array.from({ length: size }, (_, i) => start + i);
    yield fill(tokens, T, starts);
  }
}

/** Batch sizes of one epoch of `windows` windows: full batches, then one short batch for the remainder. */
export function epochBatchSizes(windows: number, batchSize: number): number[] {
  const sizes = Array<number>(Math.floor(windows / batchSize)).fill(batchSize);
  if (windows % batchSize) sizes.push(windows % batchSize);
  return sizes;
}
