// Reads the result files slmlab writes into rows beside the study's test NLL (scripts/repro-table.ts prints
// them). Three kinds, all found in docs/reproduction-runs:
// - `slmlab train` results: { spec, cost, backend, result };
// - `slmlab reproduce paper` reports: { api, seeds, overrides, tables: [{ table, rows: [{ preset, … }] }] };
// - sweep tables (GET /v1/sweeps/:id/table): { sweepId, axes, rows: [{ axes, params, flopsStudy, … }] }, which
//   name no preset: the file name and the parameter count say which row it is.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, parseSpec } from '@slmlab/core';
import { parseValue, setPath } from './args.ts';
import { listPresets, PRESETS_DIR, readSpecSource } from './presets.ts';

export interface ResultRow {
  /** The study's row ("paper/table-b/linear-t32"), when the file says or implies it. */
  preset?: string;
  source: string;
  /** "2 × 30,000" (epochs × windows per epoch), when known. */
  training?: string;
  params: number;
  testNll: number | null;
  testNllStd: number | null;
  n: number;
  study?: number;
  bestEpochs: number[];
  wallSeconds?: number;
  tokensPerSec?: number;
  backend?: string;
}

type Json = Record<string, any>;

export async function readResultFile(file: string): Promise<ResultRow[]> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  const source = path.basename(file);
  const study = await studyNll();
  if (json.spec && json.result) return [trainRow(json, source, study)];
  if (Array.isArray(json.tables)) return reproduceRows(json, source, study);
  if (json.sweepId && Array.isArray(json.rows)) return sweepRows(json, source, study);
  throw new Error(`${file}: not a result file slmlab writes (train result, reproduce report or sweep table)`);
}

async function studyNll(): Promise<Record<string, number>> {
  const text = await readFile(path.join(PRESETS_DIR, 'paper/results.json'), 'utf8');
  return (JSON.parse(text) as { testNll: Record<string, number> }).testNll;
}

const trainingOf = (t: { epochs: number; windowsPerEpoch: number }) => `${t.epochs} × ${t.windowsPerEpoch.toLocaleString('en')}`;

function trainRow(r: Json, source: string, study: Record<string, number>): ResultRow {
  // `slmlab train <preset>` names its result after the preset: paper/table-b/linear-t32 → paper_table-b_linear-t32-….
  const key = Object.keys(study).find((k) => source.startsWith(`paper_${k.replace('/', '_')}`));
  return {
    preset: key && `paper/${key}`,
    source,
    training: trainingOf(r.spec.training),
    params: r.cost.params,
    testNll: r.result.testNll,
    testNllStd: null,
    n: 1,
    study: key ? study[key] : undefined,
    bestEpochs: [r.result.bestEpoch],
    wallSeconds: r.result.wallSeconds,
    tokensPerSec: r.result.tokensPerSec,
    backend: r.backend?.name,
  };
}

async function reproduceRows(report: Json, source: string, study: Record<string, number>): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const table of report.tables as Json[]) {
    for (const r of table.rows as Json[]) {
      const { spec } = await readSpecSource(r.preset);
      for (const [k, v] of Object.entries((report.overrides ?? {}) as Record<string, string | true>)) {
        setPath(spec as Json, k, v === true ? true : parseValue(v));
      }
      const key = String(r.preset).replace(/^paper\//, '');
      rows.push({
        preset: r.preset, source, training: trainingOf(parseSpec(spec).training), params: r.params,
        testNll: r.testNllMean, testNllStd: r.testNllStd, n: r.n, study: study[key] ?? r.study ?? undefined, bestEpochs: r.bestEpochs ?? [],
      });
    }
  }
  return rows;
}

async function sweepRows(table: Json, source: string, study: Record<string, number>): Promise<ResultRow[]> {
  const presets = await presetCosts();
  return (table.rows as Json[]).map((r) => {
    // The longest preset name in the file name wins ("attention-h4" over "attention"), among same-size models.
    const match = presets
      .filter((p) => p.params === r.params && source.includes(p.name.split('/').at(-1)!))
      .sort((a, b) => b.name.length - a.name.length)[0];
    const axes = Object.entries((r.axes ?? {}) as Json).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    const key = match?.name.replace(/^paper\//, '');
    return {
      preset: match ? `${match.name}${axes ? ` (${axes})` : ''}` : axes || undefined,
      source,
      // The study's formula counts windows × T × epochs: equal to the preset's, the run used its settings.
      training: match && match.flopsStudy === r.flopsStudy ? match.training : undefined,
      params: r.params, testNll: r.testNllMean, testNllStd: r.testNllStd, n: r.n,
      study: key ? study[key] : undefined, bestEpochs: r.bestEpochs ?? [],
    };
  });
}

async function presetCosts() {
  const out: { name: string; params: number; flopsStudy: number; training: string }[] = [];
  for (const name of await listPresets()) {
    const spec = parseSpec((await readSpecSource(name)).spec);
    const cost = estimateCost(spec);
    out.push({ name, params: cost.params, flopsStudy: cost.flopsStudy, training: trainingOf(spec.training) });
  }
  return out;
}

export function markdownTable(rows: ResultRow[]): string {
  const dash = '—';
  const lines = [
    '| preset | file | epochs × windows | params | test NLL (n) | study | difference | best epoch | wall time | train tok/s | backend |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const nll = r.testNll === null ? dash : `${r.testNll.toFixed(4)}${r.testNllStd !== null ? ` ± ${r.testNllStd.toFixed(4)}` : ''} (${r.n})`;
    const diff = r.testNll === null || r.study === undefined ? dash : `${r.testNll - r.study >= 0 ? '+' : ''}${(r.testNll - r.study).toFixed(4)}`;
    lines.push(
      `| ${r.preset ?? dash} | ${r.source} | ${r.training ?? dash} | ${r.params.toLocaleString('en')} | ${nll} | ${r.study?.toFixed(4) ?? dash} | ` +
        `${diff} | ${r.bestEpochs.join(', ') || dash} | ${r.wallSeconds === undefined ? dash : `${Math.round(r.wallSeconds)} s`} | ` +
        `${r.tokensPerSec === undefined ? dash : Math.round(r.tokensPerSec).toLocaleString('en')} | ${r.backend ?? dash} |`,
    );
  }
  return lines.join('\n');
}
