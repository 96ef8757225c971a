// `slmlab reproduce paper`: submits the study's tables (experiments/paper presets) to the API as sweeps — one
// sweep per row, its cells the seeds — follows them, and prints each table beside the study's numbers
// (experiments/paper/results.json, from ../shared/docs/paper.md) with the difference. A client: no tfjs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, parseSpec } from '@slmlab/core';
import { apiClient, type ApiClient } from './api-client.ts';
import { parseArgs, parseValue, setPath } from './args.ts';
import { PRESETS_DIR, listPresets, readSpecSource } from './presets.ts';
import { formatSeconds } from './progress.ts';

export const REPRODUCE_USAGE = `usage: slmlab reproduce paper [options] [--section.field=value ...]
  --tables=A,B,C,D    which tables (default A,B,C,D)
  --seeds=N           seeds per row (default 1: the study's seed, then seed+1, …); the table shows mean ± std
  --api=URL           the slmlab API (default SLMLAB_API_URL or http://localhost:3000)
  --token=TOKEN       API token when auth is on (default SLMLAB_TOKEN)
  --poll=SECONDS      how often to check progress (default 10)
  --out=FILE          also write the tables as JSON (default runs/reproduce-<time>.json)
  --training.windowsPerEpoch=2000 …   override a setting in every row (the output then says it is reduced)
example: slmlab reproduce paper --tables=A,D --seeds=3`;

const OWN_OPTIONS = new Set(['tables', 'seeds', 'api', 'token', 'poll', 'out', 'help']);
const TABLES = ['A', 'B', 'C', 'D'];

interface Row {
  preset: string;
  sweepId: string;
}

interface SweepView {
  id: string;
  counts: Record<string, number>;
  cells: { experimentId: string; status: string; testNll: number | null }[];
}

interface ExperimentView {
  createdAt: string;
  finishedAt: string | null;
  cost: { params: number; flopsStudy: number; flopsTrain: number | null };
  result: { testNll: number; bestEpoch: number | null; wallSeconds: number | null } | null;
}

export async function reproduceCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help') || positionals[0] !== 'paper' || positionals.length !== 1) {
    console.error(REPRODUCE_USAGE);
    return options.has('help') ? 0 : 2;
  }
  const tables = String(options.get('tables') ?? TABLES.join(',')).toUpperCase().split(',').map((t) => t.trim());
  const unknown = tables.filter((t) => !TABLES.includes(t));
  if (unknown.length) return usageError(`unknown table(s) ${unknown.join(', ')}: the study has ${TABLES.join(', ')}`);
  const seeds = Number(options.get('seeds') ?? 1);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) return usageError('--seeds must be a whole number from 1 to 100');
  const overrides = [...options].filter(([k]) => !OWN_OPTIONS.has(k));
  const api = apiClient(String(options.get('api') ?? process.env.SLMLAB_API_URL ?? 'http://localhost:3000'), (options.get('token') as string | undefined) ?? process.env.SLMLAB_TOKEN);
  const study = JSON.parse(await readFile(path.join(PRESETS_DIR, 'paper/results.json'), 'utf8')).testNll as Record<string, number>;

  const started = Date.now();
  const submitted = await submitTables(api, tables, seeds, overrides);
  console.error(`submitted ${[...submitted.values()].flat().length} sweeps (${seeds} seed${seeds > 1 ? 's' : ''} each) to ${api.base}`);
  await follow(api, submitted, Number(options.get('poll') ?? 10));

  const report = [];
  for (const [table, rows] of submitted) report.push(await tableReport(api, table, rows, study));
  const reduced = overrides.length ? `settings changed from the study's: ${overrides.map(([k, v]) => `${k}=${v}`).join(', ')}` : "the study's full settings";
  console.log(`# Reproduction of arXiv 2512.20877 through slmlab (${reduced}; ${seeds} seed${seeds > 1 ? 's' : ''} per row)\n`);
  for (const t of report) console.log(markdown(t));
  const out = (options.get('out') as string | undefined) ?? path.join('runs', `reproduce-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, `${JSON.stringify({ api: api.base, seeds, overrides: Object.fromEntries(overrides), wallSeconds: (Date.now() - started) / 1000, tables: report }, null, 2)}\n`);
  console.error(`→ ${out}`);
  return 0;
}

interface Planned {
  table: string;
  preset: string;
  base: Record<string, unknown>;
  flops: number;
}

/**
 * Submits every row of the chosen tables as a sweep, the most expensive first: workers take jobs in submission
 * order, so the longest runs start at once and the short ones fill in around them instead of one long run
 * starting last and finishing alone (longest-processing-time-first scheduling).
 */
async function submitTables(api: ApiClient, tables: string[], seeds: number, overrides: [string, string | true][]) {
  const planned: Planned[] = [];
  for (const table of tables) planned.push(...(await planTable(table, overrides)));
  planned.sort((a, b) => b.flops - a.flops);
  const submitted = new Map<string, Row[]>(tables.map((t) => [t, []]));
  for (const { table, preset, base } of planned) {
    const first = Number((base.training as { seed?: number } | undefined)?.seed ?? 0);
    const body = { name: preset, base, axes: {}, seeds: Array.from({ length: seeds }, (_, i) => first + i) };
    const { body: sweep } = await api.post<{ id: string }>('/v1/sweeps', body);
    submitted.get(table)!.push({ preset, sweepId: sweep.id });
  }
  for (const rows of submitted.values()) rows.sort((a, b) => a.preset.localeCompare(b.preset));
  return submitted;
}

async function planTable(table: string, overrides: [string, string | true][]): Promise<Planned[]> {
  const presets = (await listPresets()).filter((p) => p.startsWith(`paper/table-${table.toLowerCase()}/`));
  const planned: Planned[] = [];
  for (const preset of presets) {
    const { spec } = await readSpecSource(preset);
    const base = spec as Record<string, unknown>;
    for (const [key, value] of overrides) setPath(base, key, value === true ? true : parseValue(value));
    const cost = estimateCost(parseSpec(base));
    planned.push({ table, preset, base, flops: cost.flopsTrain + cost.flopsEval });
  }
  return planned;
}

/** Polls every sweep until each cell has ended, printing one line per table whenever a count changes. */
async function follow(api: ApiClient, submitted: Map<string, Row[]>, pollSeconds: number) {
  let last = '';
  for (;;) {
    const lines: string[] = [];
    let open = 0;
    for (const [table, rows] of submitted) {
      const counts: Record<string, number> = {};
      for (const row of rows) {
        const sweep = await api.get<SweepView>(`/v1/sweeps/${row.sweepId}`);
        for (const c of sweep.cells) counts[c.status] = (counts[c.status] ?? 0) + 1;
      }
      open += (counts.queued ?? 0) + (counts.running ?? 0);
      lines.push(`table ${table}: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}`);
    }
    const now = lines.join(' | ');
    if (now !== last) console.error(`[${new Date().toISOString().slice(11, 19)}] ${now}`);
    last = now;
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, pollSeconds * 1000));
  }
}

interface TableRow {
  preset: string;
  params: number;
  flopsTrain: number | null;
  n: number;
  testNllMean: number | null;
  testNllStd: number | null;
  study: number | null;
  difference: number | null;
  failed: number;
}

async function tableReport(api: ApiClient, table: string, rows: Row[], study: Record<string, number>) {
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
    const nll = experiments.flatMap((e) => (e.result ? [e.result.testNll] : []));
    const mean = nll.length ? nll.reduce((a, b) => a + b, 0) / nll.length : null;
    const std = nll.length > 1 ? Math.sqrt(nll.reduce((a, b) => a + (b - mean!) ** 2, 0) / (nll.length - 1)) : null;
    const ref = study[row.preset.replace(/^paper\//, '')] ?? null;
    out.push({
      preset: row.preset,
      params: experiments[0]!.cost.params,
      flopsTrain: experiments[0]!.cost.flopsTrain,
      n: nll.length,
      testNllMean: mean,
      testNllStd: std,
      study: ref,
      difference: mean !== null && ref !== null ? mean - ref : null,
      failed: experiments.length - nll.length,
    });
  }
  return { table, wallSeconds: Math.max(0, (lastEnd - first) / 1000), computeSeconds, rows: out };
}

function markdown(t: Awaited<ReturnType<typeof tableReport>>): string {
  const f = (x: number | null, d = 4) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    `## Table ${t.table} (wall time ${formatSeconds(t.wallSeconds)} from submission to its last result; ${formatSeconds(t.computeSeconds)} of training summed over its runs)`,
    '',
    '| row | params | training FLOPs | test NLL (mean ± std, n) | study | difference |',
    '|---|---|---|---|---|---|',
    ...t.rows.map(
      (r) =>
        `| ${r.preset.replace(/^paper\//, '')} | ${r.params.toLocaleString('en')} | ${r.flopsTrain?.toExponential(2) ?? '—'} | ` +
        `${f(r.testNllMean)}${r.testNllStd !== null ? ` ± ${f(r.testNllStd)}` : ''} (${r.n}${r.failed ? `, ${r.failed} failed` : ''}) | ` +
        `${f(r.study)} | ${r.difference === null ? '—' : `${r.difference >= 0 ? '+' : ''}${r.difference.toFixed(4)}`} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

function usageError(message: string): number {
  console.error(`${message}\n${REPRODUCE_USAGE}`);
  return 2;
}
