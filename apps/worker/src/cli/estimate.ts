// How the CLI says how long a run will take (the estimate itself is packages/core's estimate.ts, which the API's
// answers use too): tokens, and a range of durations rounded to what an estimate can claim.
import { estimateRun, sumEstimates, WASM_GFLOPS, type RunEstimate } from '@slmlab/core';

export { estimateRun, sumEstimates, WASM_GFLOPS, type RunEstimate };

/** "1.9 M training tokens, ≈ 30–40 s on one CPU worker (wasm)", or without the time when none is known. */
export function describeEstimate(e: RunEstimate, backend = 'wasm'): string {
  const tokens = `${formatTokens(e.trainTokens)} training tokens`;
  if (!e.seconds) return `${tokens} (no measured rate for the ${backend} backend: no time estimate)`;
  return `${tokens}, ≈ ${formatRange(e.seconds)} on one CPU worker (wasm; an estimate)`;
}

export function formatTokens(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(n >= 1e7 ? 3 : 2)} M`;
  return n >= 1e4 ? `${Math.round(n / 1e3)} k` : n.toLocaleString('en');
}

/** A duration range rounded to what an estimate can claim: "30–40 s", "8–15 min", "50 min–1.7 h". */
export function formatRange([low, high]: readonly [number, number]): string {
  const [a, b] = [roughDuration(low), roughDuration(high)];
  if (a === b) return a;
  const [aValue, aUnit] = a.split(' ');
  return aUnit === b.split(' ')[1] ? `${aValue}–${b}` : `${a}–${b}`;
}

/** Two significant figures (whole numbers from 10 up) in s below 90 s, min below 90 min, else h. */
export function roughDuration(seconds: number): string {
  const [unit, name] = seconds < 90 ? [1, 's'] : seconds < 90 * 60 ? [60, 'min'] : [3600, 'h'];
  const v = seconds / unit;
  return `${v >= 10 ? Math.round(v) : Math.max(Number(v.toPrecision(2)), unit === 1 ? 1 : 0.1)} ${name}`;
}
