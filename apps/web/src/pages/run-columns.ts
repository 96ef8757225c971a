// The columns a runs table can show: each says how to read and format its value and, for the ones the API can
// sort by, the sort key (docs/api.md, "Search"). Spec paths ("spec.model.layers") are columns too.
import type { Experiment } from '../api/types.ts';
import * as fmt from '../format.ts';

export interface Column {
  key: string;
  label: string;
  /** The API's `sort` value, when it can sort by this column. */
  sort?: string;
  numeric?: boolean;
  read: (e: Experiment) => unknown;
  show: (e: Experiment) => string;
}

const r = (e: Experiment) => e.result;
const column = (key: string, label: string, read: (e: Experiment) => unknown, show: (v: unknown) => string, opts: Partial<Column> = {}): Column => ({
  key, label, read, show: (e) => show(read(e)), ...opts,
});
const num = (f: (v: number) => string) => (v: unknown) => (typeof v === 'number' ? f(v) : fmt.dash);

export const COLUMNS: Column[] = [
  column('name', 'Name', (e) => e.name, (v) => (v as string | null) ?? fmt.dash),
  column('status', 'Status', (e) => e.status, String),
  column('dataset', 'Dataset', (e) => e.spec.dataset, String),
  column('modelKind', 'Model', (e) => e.spec.model.kind, String),
  column('params', 'Params', (e) => e.cost.params, num(fmt.count), { sort: 'paramCount', numeric: true }),
  column('flopsTrain', 'Train FLOPs', (e) => e.cost.flopsTrain, num(fmt.flops), { sort: 'flopsTrain', numeric: true }),
  column('flopsStudy', 'Study FLOPs', (e) => e.cost.flopsStudy, num(fmt.flops), { sort: 'flopsStudy', numeric: true }),
  column('testNll', 'Test NLL', (e) => r(e)?.testNll, num((v) => fmt.nll(v)), { sort: 'testNll', numeric: true }),
  column('bestValNll', 'Best val NLL', (e) => r(e)?.bestValNll, num((v) => fmt.nll(v)), { sort: 'bestValNll', numeric: true }),
  column('bestEpoch', 'Best epoch', (e) => r(e)?.bestEpoch, num(String), { sort: 'bestEpoch', numeric: true }),
  column('testNllAllTokens', 'Test NLL (all tokens)', (e) => r(e)?.testNllAllTokens, num((v) => fmt.nll(v)), { sort: 'testNllAllTokens', numeric: true }),
  column('tokensPerSec', 'Tokens/s', (e) => r(e)?.tokensPerSec, num(fmt.count), { sort: 'tokensPerSec', numeric: true }),
  column('gflops', 'GFLOP/s', (e) => r(e)?.gflops, num((v) => v.toFixed(1)), { sort: 'gflops', numeric: true }),
  column('mfu', 'MFU', (e) => r(e)?.mfu, num((v) => `${(v * 100).toFixed(1)}%`), { sort: 'mfu', numeric: true }),
  column('wallSeconds', 'Wall time', (e) => r(e)?.wallSeconds, num(fmt.duration), { sort: 'wallSeconds', numeric: true }),
  column('attempts', 'Attempts', (e) => e.attempts, num(String), { sort: 'attempts', numeric: true }),
  column('backend', 'Backend', (e) => e.worker?.backend ?? r(e)?.backend, (v) => (v as string | null) ?? fmt.dash),
  column('device', 'Device', (e) => e.worker?.device ?? r(e)?.device, (v) => (v as string | null) ?? fmt.dash),
  column('createdAt', 'Created', (e) => e.createdAt, (v) => fmt.date(v as string), { sort: 'createdAt' }),
  column('startedAt', 'Started', (e) => e.startedAt, (v) => fmt.date(v as string | null), { sort: 'startedAt' }),
  column('finishedAt', 'Finished', (e) => e.finishedAt, (v) => fmt.date(v as string | null), { sort: 'finishedAt' }),
];

export const DEFAULT_COLUMNS = ['name', 'status', 'dataset', 'modelKind', 'params', 'flopsTrain', 'testNll', 'bestValNll', 'tokensPerSec', 'createdAt'];

/** A column for a spec path such as "spec.model.layers" (shown as "model.layers"). */
export function specColumn(path: string): Column {
  const parts = path.replace(/^spec\./, '').split('.');
  const read = (e: Experiment) => parts.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), e.spec);
  return { key: path, label: parts.join('.'), read, show: (e) => fmt.value(read(e)) };
}

export function columnsFor(keys: string[]): Column[] {
  return keys.map((k) => COLUMNS.find((c) => c.key === k) ?? (k.startsWith('spec.') ? specColumn(k) : undefined)).filter((c): c is Column => !!c);
}
