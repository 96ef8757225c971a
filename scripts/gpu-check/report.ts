// The check's JSON files and the timing rule every phase shares (the PyTorch peer applies the same rule).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Written synchronously after every step: a phase killed by its timeout still leaves what it measured. */
export function writeJson(dir: string, name: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2));
  renameSync(`${file}.tmp`, file); // atomic: a reader (or a kill mid-write) never leaves half a file
}

export function readJson<T>(dir: string, name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** An expected refusal (no GPU adapter, say): reported in one line, without a stack. */
export class CheckRefused extends Error {
  override name = 'CheckRefused';
}

export interface StepRecord {
  step: number;
  loss: number;
  /** Wall-clock ms since the previous step ended (step 1: since the phase started training). */
  ms: number;
}

export interface Throughput {
  /** Steps timed: those after the first `warmup`. */
  timedSteps: number;
  warmup: number;
  seconds: number;
  tokensPerSec: number;
  gflops: number;
}

/**
 * Throughput over the steps after the first `warmup` (their first steps compile shaders or grow memory).
 * Undefined when no step is left to time.
 */
export function throughput(steps: StepRecord[], warmup: number, tokensPerStep: number, flopsPerStep: number): Throughput | undefined {
  const timed = steps.slice(warmup);
  if (!timed.length) return undefined;
  const seconds = timed.reduce((s, r) => s + r.ms, 0) / 1000;
  return {
    timedSteps: timed.length,
    warmup,
    seconds,
    tokensPerSec: (timed.length * tokensPerStep) / seconds,
    gflops: (timed.length * flopsPerStep) / seconds / 1e9,
  };
}
