// The tables `slmlab reproduce paper` prints: each row's stored results (mean ± std over its seeds) beside the
// study's test NLL, and — where the study gives validation NLL by epoch (Tables C and D) — ours beside it epoch
// by epoch, so that a run cut short (fewer epochs) is still compared at the epochs it did run.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiClient } from './api-client.ts';
import { PRESETS_DIR } from './presets.ts';
import { formatSeconds } from './progress.ts';

/** The study's numbers, keyed by preset without `paper/` (experiments/paper/results.json). */
export interface Study {
  testNll: Record<string, number>;
  validNllByEpoch: Record<string, Record<string, number>>;
  bestEpoch: Record<string, number>;
}

export interface Row {
  preset: string;
  sweepId: string;
}

interface SweepView {
  cells: { experimentId: string }[];
}

interface ExperimentView {
  id: string;
  createdAt: string;
  finishedAt: string | null;
  cost: { params: number; flopsStudy: number; flopsTrain: number | null };
  result: { testNll: number; bestEpoch: number | null; wallSeconds: number | null } | null;
}

interface CurveView {
  points: { epoch: number; valNll: number | null }[];
}

export interface ValidationPoint {
  epoch: number;
  ours: number | null;
  study: number;
  difference: number | null;
}

export interface TableRow {
  preset: string;
  params: number;
  flopsStudy: number;
  flopsTrain: number | null;
  n: number;
  testNllMean: number | null;
  testNllStd: number | null;
  study: number | null;
  difference: number | null;
  bestEpochs: number[];
  studyBestEpoch: number | null;
  validation: ValidationPoint[];
  failed: number;
}

export interface TableReport {
  table: string;
  wallSeconds: number;
  computeSeconds: number;
  rows: TableRow[];
}

export async function readStudy(): Promise<Study> {
  const raw = JSON.parse(await readFile(path.join(PRESETS_DIR, 'paper/results.json'), 'utf8')) as Partial<Study>;
  return { testNll: raw.testNll ?? {}, validNllByEpoch: raw.validNllByEpoch ?? {}, bestEpoch: raw.bestEpoch ?? {} };
}

export async function tableReport(api: ApiClient, table: string, rows: Row[], study: Study): Promise<TableReport> {
  const out: TableRow[] = [];
  let first = Infinity;
  let lastEnd = 0;
  let computeSeconds = 0;
  for (const row of rows) {
    const sweep = await api.get<SweepView>(`/v1/sweeps/${row.sweepId}`);
    const experiments = await Promise.all(sweep.cells.map((c) => api.get<ExperimentView>(`/v1/experiments/${c.experimentId}`)));
    for (const e of experiments) {
      first = Math.min(first, Date.parse(e.createdAt));
      if (e.finishedAt) lastEnd = Math.max(lastEnd, Date.parse(e.finishedAt));
      computeSeconds += e.result?.wallSeconds ?? 0;
    }
    out.push(await rowReport(api, row.preset, experiments, study));
  }
  return { table, wallSeconds: Math.max(0, (lastEnd - first) / 1000), computeSeconds, rows: out };
}

async function rowReport(api: ApiClient, preset: string, experiments: ExperimentView[], study: Study): Promise<TableRow> {
  const key = preset.replace(/^paper\//, '');
  const done = experiments.filter((e) => e.result);
  const { mean, std } = meanStd(done.map((e) => e.result!.testNll));
  const ref = study.testNll[key] ?? null;
  return {
    preset,
    params: experiments[0]!.cost.params,
    flopsStudy: experiments[0]!.cost.flopsStudy,
    flopsTrain: experiments[0]!.cost.flopsTrain,
    n: done.length,
    testNllMean: mean,
    testNllStd: std,
    study: ref,
    difference: mean !== null && ref !== null ? mean - ref : null,
    bestEpochs: done.flatMap((e) => (e.result!.bestEpoch === null ? [] : [e.result!.bestEpoch])),
    studyBestEpoch: study.bestEpoch[key] ?? null,
    validation: await validationReport(api, done, study.validNllByEpoch[key] ?? {}),
    failed: experiments.length - done.length,
  };
}

/** Our validation NLL (mean over seeds) at each epoch the study reports and we ran. */
async function validationReport(api: ApiClient, done: ExperimentView[], studyByEpoch: Record<string, number>): Promise<ValidationPoint[]> {
  if (!Object.keys(studyByEpoch).length || !done.length) return [];
  const curves = await Promise.all(done.map((e) => api.get<CurveView>(`/v1/experiments/${e.id}/metrics?x=epoch&points=10000`)));
  const points: ValidationPoint[] = [];
  for (const [epochText, studyNll] of Object.entries(studyByEpoch)) {
    const epoch = Number(epochText);
    const ours = curves.flatMap((c) => c.points.filter((p) => p.epoch === epoch && p.valNll !== null).map((p) => p.valNll!));
    if (!ours.length) continue;
    const { mean } = meanStd(ours);
    points.push({ epoch, ours: mean, study: studyNll, difference: mean === null ? null : mean - studyNll });
  }
  return points;
}

function meanStd(xs: number[]): { mean: number | null; std: number | null } {
  if (!xs.length) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : null;
  return { mean, std };
}

const num = (x: number | null, d = 4) => (x === null ? '—' : x.toFixed(d));
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`);

export function markdown(t: TableReport): string {
  const lines = [
    `## Table ${t.table} (wall time ${formatSeconds(t.wallSeconds)} from submission to its last result; ${formatSeconds(t.computeSeconds)} of training summed over its runs)`,
    '',
    "| row | params | FLOPs (study's formula) | training FLOPs (fwd + bwd) | test NLL (mean ± std, n) | study | difference | best epoch (study) |",
    '|---|---|---|---|---|---|---|---|',
    ...t.rows.map(
      (r) =>
        `| ${r.preset.replace(/^paper\//, '')} | ${r.params.toLocaleString('en')} | ${r.flopsStudy.toExponential(2)} | ${r.flopsTrain?.toExponential(2) ?? '—'} | ` +
        `${num(r.testNllMean)}${r.testNllStd !== null ? ` ± ${num(r.testNllStd)}` : ''} (${r.n}${r.failed ? `, ${r.failed} failed` : ''}) | ` +
        `${num(r.study)} | ${signed(r.difference)} | ${r.bestEpochs.join(', ') || '—'} (${r.studyBestEpoch ?? '—'}) |`,
    ),
    '',
  ];
  const curves = t.rows.filter((r) => r.validation.length);
  if (curves.length) {
    lines.push(`### Table ${t.table}: validation NLL by epoch`, '', '| row | epoch | ours | study | difference |', '|---|---|---|---|---|');
    for (const r of curves) {
      for (const v of r.validation) lines.push(`| ${r.preset.replace(/^paper\//, '')} | ${v.epoch} | ${num(v.ours)} | ${num(v.study)} | ${signed(v.difference)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
