// A sweep's results table: one row per axis combination (the seeds of a combination aggregated), as JSON, CSV or
// Markdown. Statistics are over the seeds that succeeded; the spread is the sample standard deviation (n − 1).
import { canonicalJson } from '@slmlab/core';
import type { SweepWithCells } from '@slmlab/db';
import { STATUSES } from '../edge/schemas.ts';
import type { SweepTable, TableRow } from './schemas.ts';
import { countStatuses, splitSeed } from './views.ts';
import { SEED_AXIS } from './expand.ts';

type Cell = SweepWithCells['cells'][number];

export function sweepTable(sweep: SweepWithCells): SweepTable {
  const groups = new Map<string, Cell[]>();
  for (const cell of sweep.cells) {
    const key = canonicalJson(splitSeed(cell.axes).axes);
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const axes = Object.keys(sweep.axes as object).filter((k) => k !== SEED_AXIS);
  return { sweepId: sweep.id, axes, rows: [...groups.values()].map(tableRow) };
}

function tableRow(cells: Cell[]): TableRow {
  const first = cells[0]!.experiment; // a group exists because a cell does; cost does not depend on the seed
  const done = cells.map((c) => c.experiment).filter((e) => e.status === 'succeeded' && e.testNll !== null);
  const bestEpochs = done.flatMap((e) => (e.bestEpoch === null ? [] : [e.bestEpoch]));
  return {
    axes: splitSeed(cells[0]!.axes).axes,
    params: first.paramCount,
    flopsStudy: first.flopsStudy,
    flopsTrain: first.flopsTrain,
    cells: cells.length,
    n: done.length,
    testNllMean: mean(done.map((e) => e.testNll!)),
    testNllStd: sampleStd(done.map((e) => e.testNll!)),
    bestEpochMean: mean(bestEpochs),
    bestEpochs,
    counts: countStatuses(cells.map((c) => c.experiment.status)),
  };
}

export function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); null below two values. */
export function sampleStd(xs: number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

const NUMERIC = ['params', 'flopsStudy', 'flopsTrain', 'cells', 'n', 'testNllMean', 'testNllStd', 'bestEpochMean'] as const;

/** Full precision; empty for null; bestEpochs joined by ";"; one column per status. */
export function tableCsv(t: SweepTable): string {
  const header = [...t.axes, ...NUMERIC, 'bestEpochs', ...STATUSES];
  const lines = t.rows.map((r) => [
    ...t.axes.map((a) => axisText(r.axes[a])),
    ...NUMERIC.map((k) => (r[k] === null ? '' : String(r[k]))),
    r.bestEpochs.join(';'),
    ...STATUSES.map((s) => String(r.counts[s])),
  ]);
  return [header, ...lines].map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** For reading: NLL to 4 decimals as mean ± std, FLOPs in exponent form, statuses that occur. */
export function tableMarkdown(t: SweepTable): string {
  const header = [...t.axes, 'params', 'flopsStudy', 'flopsTrain', 'n', 'test NLL', 'best epoch', 'status'];
  const lines = t.rows.map((r) => [
    ...t.axes.map((a) => axisText(r.axes[a])),
    String(r.params),
    r.flopsStudy.toExponential(3),
    r.flopsTrain === null ? '' : r.flopsTrain.toExponential(3),
    `${r.n}/${r.cells}`,
    nllText(r),
    r.bestEpochMean === null ? '' : String(Number(r.bestEpochMean.toFixed(2))),
    STATUSES.filter((s) => r.counts[s] > 0).map((s) => `${r.counts[s]} ${s}`).join(', '),
  ]);
  const row = (fields: string[]) => `| ${fields.map((f) => f.replaceAll('|', '\\|')).join(' | ')} |`;
  return [row(header), row(header.map(() => '---')), ...lines.map(row)].join('\n') + '\n';
}

function nllText(r: TableRow): string {
  if (r.testNllMean === null) return '';
  return r.testNllStd === null ? r.testNllMean.toFixed(4) : `${r.testNllMean.toFixed(4)} ± ${r.testNllStd.toFixed(4)}`;
}

function axisText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? null);
}

function csvField(f: string): string {
  return /[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f;
}
