// bench:train's models: every model of the study's tables (../shared/docs/paper.md) at its own shapes, plus the
// all-tokens objective on the transformers. BENCH_MODELS picks some by label prefix ("transformer L=3 H=4"
// still means the study's transformer and its all-tokens row; "pre-LN" the RoPE ablation's two blocks).
import { parseSpec, type ExperimentSpec } from '@slmlab/core';

export interface BenchModel {
  label: string;
  model: Record<string, unknown>;
  objective?: 'last-token' | 'all-tokens';
}

const preLn = (positions: string) => ({ kind: 'transformer', layers: 3, heads: 4, block: 'pre-ln', positions });

export const MODELS: BenchModel[] = [
  { label: 'linear T=32', model: { kind: 'linear', contextLength: 32 } },
  { label: 'linear T=64', model: { kind: 'linear', contextLength: 64 } },
  { label: 'linear T=128', model: { kind: 'linear' } },
  { label: 'mlp h=128', model: { kind: 'mlp', hidden: 128 } },
  { label: 'mlp h=256', model: { kind: 'mlp', hidden: 256 } },
  { label: 'mlp h=512', model: { kind: 'mlp', hidden: 512 } },
  { label: 'attention H=1', model: { kind: 'attention', heads: 1 } },
  { label: 'attention H=2', model: { kind: 'attention', heads: 2 } },
  { label: 'attention H=4', model: { kind: 'attention', heads: 4 } },
  { label: 'transformer L=2 H=4', model: { kind: 'transformer', layers: 2, heads: 4 } },
  { label: 'transformer L=3 H=4', model: { kind: 'transformer', layers: 3, heads: 4 } },
  { label: 'transformer L=4 H=4', model: { kind: 'transformer', layers: 4, heads: 4 } },
  { label: 'transformer L=3 H=4 all-tokens', model: { kind: 'transformer', layers: 3, heads: 4 }, objective: 'all-tokens' },
  { label: 'pre-LN L=3 H=4 learned', model: preLn('learned') },
  { label: 'pre-LN L=3 H=4 rope', model: preLn('rope') },
  { label: 'pre-LN L=3 H=4 learned all-tokens', model: preLn('learned'), objective: 'all-tokens' },
  { label: 'pre-LN L=3 H=4 rope all-tokens', model: preLn('rope'), objective: 'all-tokens' },
];

/** Tiny Shakespeare's 65 characters: the study's character-level vocabulary. */
export const VOCAB = 65;

/** The models whose label starts with one of `only`'s comma-separated prefixes (all when unset). */
export function selectModels(only: string | undefined, models = MODELS): BenchModel[] {
  const prefixes = only?.split(',').map((p) => p.trim()).filter(Boolean);
  const picked = models.filter((m) => !prefixes?.length || prefixes.some((p) => m.label.startsWith(p)));
  if (!picked.length) throw new Error(`BENCH_MODELS=${only} matches none of: ${models.map((m) => m.label).join('; ')}`);
  return picked;
}

/** The resolved spec (every default written out) the bench trains; `tiny`: T=16, d=32 (BENCH_TINY=1). */
export function specOf(m: BenchModel, tiny = false): ExperimentSpec {
  const model = tiny ? { ...m.model, contextLength: 16, dModel: 32 } : m.model;
  return parseSpec({ dataset: 'tinyshakespeare', model, training: { objective: m.objective ?? 'last-token' } });
}
