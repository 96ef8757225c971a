// Says what a run was and what its number means: the model and data in words, the test NLL with its unit, a
// uniform guess beside it, and the study's number for the closest of its rows (experiments/paper/results.json).
// No tfjs: the demo (a client of the API) uses it too.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DATASETS, parseSpec, type ExperimentSpec } from '@slmlab/core';
import { formatTokens } from './estimate.ts';
import { PRESETS_DIR, readSpecSource } from './presets.ts';

/** "Tiny Shakespeare", "Penn Treebank", "WikiText-2". */
export function datasetName(spec: ExperimentSpec): string {
  return DATASETS[spec.dataset].description.split(/ \(|,/)[0]!;
}

/** "transformer L=3 H=4 (T=128, d=128, learned positions, post-ln)". */
export function describeModel(spec: ExperimentSpec): string {
  const m = spec.model;
  const base = `T=${m.contextLength}, d=${m.dModel}`;
  switch (m.kind) {
    case 'linear':
      return `linear (${base})`;
    case 'mlp':
      return `mlp ${m.hiddenLayers}×${m.hidden} (${base})`;
    case 'attention':
      return `attention H=${m.heads} (${base}, ${m.positions} positions, ${m.block})`;
    case 'transformer':
      return `transformer L=${m.layers} H=${m.heads} (${base}, ${m.positions} positions, ${m.block})`;
  }
}

/** "linear (T=32, d=128) on Tiny Shakespeare, 2 epochs × 10,000 windows = 640 k training tokens". */
export function describeRun(spec: ExperimentSpec): string {
  const t = spec.training;
  const tokens = t.windowsPerEpoch * spec.model.contextLength * t.epochs;
  return `${describeModel(spec)} on ${datasetName(spec)}, ${t.epochs} epoch${t.epochs > 1 ? 's' : ''} × ` +
    `${t.windowsPerEpoch.toLocaleString('en')} windows = ${formatTokens(tokens)} training tokens`;
}

export interface StudyRow {
  preset: string;
  spec: ExperimentSpec;
  testNll: number;
  /** The model is the row's model, field for field (training settings may differ). */
  sameModel: boolean;
}

/** The study's row whose model is closest to this one (same data set and kind), or undefined. */
export async function closestStudyRow(spec: ExperimentSpec): Promise<StudyRow | undefined> {
  const study = JSON.parse(await readFile(path.join(PRESETS_DIR, 'paper/results.json'), 'utf8')) as { testNll: Record<string, number> };
  let best: (StudyRow & { score: number }) | undefined;
  for (const [key, testNll] of Object.entries(study.testNll)) {
    const row = parseSpec((await readSpecSource(`paper/${key}`)).spec);
    if (row.dataset !== spec.dataset || row.model.kind !== spec.model.kind) continue;
    const modelDiffs = differences(row.model, spec.model);
    // A differing model field outweighs any training difference, the nearer its value the less; among equal
    // models, the closest training.
    const score = modelDiffs * 100 + 10 * numericGap(row.model, spec.model) + differences(row.training, spec.training);
    if (!best || score < best.score) best = { preset: `paper/${key}`, spec: row, testNll, sameModel: modelDiffs === 0, score };
  }
  if (!best) return undefined;
  const { score: _score, ...row } = best;
  return row;
}

/** Σ |ln(a/b)| over the numeric fields both have: T=8 is nearer T=32 than T=128. */
function numericGap(a: object, b: object): number {
  let gap = 0;
  for (const [k, x] of Object.entries(a)) {
    const y = (b as Record<string, unknown>)[k];
    if (typeof x === 'number' && typeof y === 'number' && x > 0 && y > 0) gap += Math.abs(Math.log(x / y));
  }
  return gap;
}

function differences(a: object, b: object): number {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k])).length;
}

/**
 * Lines that put a test NLL in context: its unit and perplexity, a uniform guess over the vocabulary, and the
 * study's closest row with how its training differed from this run's.
 */
export async function explainNll(spec: ExperimentSpec, testNll: number): Promise<string[]> {
  const V = DATASETS[spec.dataset].vocabSize;
  const unit = DATASETS[spec.dataset].level === 'char' ? 'characters' : 'words';
  const lines = [
    `test NLL ${testNll.toFixed(4)} nats per token (mean negative log-likelihood of the next token on the test split; ` +
      `lower is better; perplexity e^NLL = ${Math.exp(testNll).toFixed(1)})`,
    `  for scale: guessing uniformly over ${datasetName(spec)}'s ${V.toLocaleString('en')} ${unit} scores ln ${V} = ${Math.log(V).toFixed(2)}`,
  ];
  const row = await closestStudyRow(spec);
  if (row) lines.push(`  the study's closest row, ${row.preset} (${rowDifference(row, spec)}): ${row.testNll.toFixed(4)}`);
  return lines;
}

function rowDifference(row: StudyRow, spec: ExperimentSpec): string {
  const model = row.sameModel ? 'same model' : describeModel(row.spec);
  const t = row.spec.training;
  const theirs = t.windowsPerEpoch * row.spec.model.contextLength * t.epochs;
  const ours = spec.training.windowsPerEpoch * spec.model.contextLength * spec.training.epochs;
  if (differences(row.spec.training, spec.training) === 0) return `${model}, same training`;
  const expect = ours < theirs ? ', so expect a higher NLL here' : '';
  return `${model}, ${t.epochs} × ${t.windowsPerEpoch.toLocaleString('en')} windows = ${formatTokens(theirs)} training tokens; this run ${formatTokens(ours)}${expect}`;
}
