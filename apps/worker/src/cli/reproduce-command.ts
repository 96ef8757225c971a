// `slmlab reproduce paper`: submits the study's tables (experiments/paper presets) to the API as sweeps — one
// sweep per row, its cells the seeds — follows them, and prints each table beside the study's numbers
// (experiments/paper/results.json, from ../shared/docs/paper.md) with the difference. A client: no tfjs.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, parseSpec } from '@slmlab/core';
import { apiClient, type ApiClient } from './api-client.ts';
import { checkOptions, parseArgs, parseValue, setPath, UsageError } from './args.ts';
import { describeEstimate, estimateRun, sumEstimates, type RunEstimate } from './estimate.ts';
import { listPresets, readSpecSource } from './presets.ts';
import { markdown, readStudy, tableReport, type Row } from './reproduce-report.ts';
import { apiOptions } from './run-options.ts';

export const REPRODUCE_USAGE = `usage: slmlab reproduce paper [options] [--section.field=value ...]
  --tables=A,B,C,D    which tables (default A,B,C,D)
  --seeds=N           seeds per row (default 1: the study's seed, then seed+1, …); the table shows mean ± std
  --api=URL           the slmlab API (default SLMLAB_API_URL or http://localhost:3000)
  --token=TOKEN       API token when auth is on (default SLMLAB_TOKEN)
  --poll=SECONDS      how often to check progress (default 10)
  --out=FILE          also write the tables as JSON (default runs/reproduce-<time>.json)
  --training.windowsPerEpoch=2000 …   override a setting in every row (the output then says it is reduced)
Before submitting it prints the training tokens and an estimated duration on one CPU worker (wasm; divide by
the number of workers). At the study's settings all four tables are 356 M training tokens, ≈ 9–21 h of one core
(A+B ≈ 3–6 h, C ≈ 3–7 h, D ≈ 3–8 h); --seeds=3 triples it. Rows are submitted most expensive first.
Run the same command again to re-attach (a repeated sweep returns the one that exists: nothing is trained
twice) and print the tables when its runs end.
example: slmlab reproduce paper --tables=B --training.windowsPerEpoch=2000 --training.evalWindows=1000   (≈ 6–14 min)`;

const OWN_OPTIONS = ['tables', 'seeds', 'api', 'token', 'poll', 'out', 'help'];
const MORE = 'run "slmlab reproduce --help" for the options';
const TABLES = ['A', 'B', 'C', 'D'];

interface SweepView {
  cells: { status: string }[];
}

export async function reproduceCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help')) {
    console.log(REPRODUCE_USAGE);
    return 0;
  }
  if (positionals[0] !== 'paper' || positionals.length !== 1) throw new UsageError(`the one thing to reproduce is "paper": slmlab reproduce paper …; ${MORE}`);
  checkOptions(options, OWN_OPTIONS, true, MORE);
  const tables = String(options.get('tables') ?? TABLES.join(',')).toUpperCase().split(',').map((t) => t.trim());
  const unknown = tables.filter((t) => !TABLES.includes(t));
  if (unknown.length) throw new UsageError(`unknown table(s) ${unknown.join(', ')}: the study has ${TABLES.join(', ')}`);
  const seeds = Number(options.get('seeds') ?? 1);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) throw new UsageError('--seeds must be a whole number from 1 to 100');
  const overrides = [...options].filter(([k]) => !OWN_OPTIONS.includes(k));
  const where = apiOptions(options);
  const api = apiClient(where.url, where.token);
  const study = await readStudy();

  const started = Date.now();
  const planned = await planTables(tables, overrides, seeds);
  const { submitted, existing } = await submitTables(api, tables, planned, seeds);
  const count = [...submitted.values()].flat().length;
  const again = existing ? ` (${existing} of them already there: following those)` : '';
  console.error(`submitted ${count} sweeps (${seeds} seed${seeds > 1 ? 's' : ''} each) to ${api.base}${again}`);
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
  estimate: RunEstimate;
}

/**
 * Submits every row of the chosen tables as a sweep, the most expensive first: workers take jobs in submission
 * order, so the longest runs start at once and the short ones fill in around them instead of one long run
 * starting last and finishing alone (longest-processing-time-first scheduling).
 */
async function submitTables(api: ApiClient, tables: string[], planned: Planned[], seeds: number) {
  planned = [...planned];
  planned.sort((a, b) => b.flops - a.flops);
  const submitted = new Map<string, Row[]>(tables.map((t) => [t, []]));
  let existing = 0;
  for (const { table, preset, base } of planned) {
    const first = Number((base.training as { seed?: number } | undefined)?.seed ?? 0);
    const body = { name: preset, base, axes: {}, seeds: Array.from({ length: seeds }, (_, i) => first + i) };
    const { status, body: sweep } = await api.post<{ id: string }>('/v1/sweeps', body);
    if (status === 200) existing += 1; // 200: the same sweep was posted before (201: created now)
    submitted.get(table)!.push({ preset, sweepId: sweep.id });
  }
  for (const rows of submitted.values()) rows.sort((a, b) => a.preset.localeCompare(b.preset));
  return { submitted, existing };
}

/** Every row of the tables, its overrides applied; says what they will cost before anything is submitted. */
async function planTables(tables: string[], overrides: [string, string | true][], seeds: number): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const table of tables) planned.push(...(await planTable(table, overrides)));
  const total = sumEstimates(planned.flatMap((p) => Array<RunEstimate>(seeds).fill(p.estimate)));
  console.error(`${planned.length * seeds} runs: ${describeEstimate(total)}; with N workers about 1/N of that`);
  return planned;
}

async function planTable(table: string, overrides: [string, string | true][]): Promise<Planned[]> {
  const presets = (await listPresets()).filter((p) => p.startsWith(`paper/table-${table.toLowerCase()}/`));
  const planned: Planned[] = [];
  for (const preset of presets) {
    const { spec } = await readSpecSource(preset);
    const base = spec as Record<string, unknown>;
    for (const [key, value] of overrides) setPath(base, key, value === true ? true : parseValue(value));
    const resolved = parseSpec(base);
    const cost = estimateCost(resolved);
    planned.push({ table, preset, base, flops: cost.flopsTrain + cost.flopsEval, estimate: estimateRun(resolved) });
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
