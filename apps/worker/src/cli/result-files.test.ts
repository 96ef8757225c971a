// scripts/repro-table.ts over the result files the project keeps (docs/reproduction-runs): CLI results,
// `reproduce paper` reports and a sweep table, each row beside the study's number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readResultFile } from './result-files.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const runs = path.join(root, 'docs/reproduction-runs');

test('each kind of result file gives its rows, the study beside each', async () => {
  const [sweep] = await readResultFile(path.join(runs, 'service-2026-12-01-attention-h4-3-seeds.json'));
  assert.deepEqual(
    [sweep!.preset, sweep!.training, sweep!.n, sweep!.study, sweep!.bestEpochs],
    ['paper/table-b/attention-h4', '2 × 30,000', 3, 2.3055, [2, 2, 2]],
    'a sweep table: the row named by the file, among the presets of its size',
  );
  const tableD = await readResultFile(path.join(runs, 'service-2026-12-01-table-D-1-epoch.json'));
  assert.deepEqual(tableD.map((r) => [r.preset, r.training]), [['paper/table-d/learned', '1 × 50,000'], ['paper/table-d/rope', '1 × 50,000']],
    "a reproduce report: the report's overrides (training.epochs=1) applied to the preset");
  const [cli] = await readResultFile(path.join(runs, 'paper_table-a_attention-w5000.json'));
  assert.deepEqual([cli!.preset, cli!.training, cli!.backend], ['paper/table-a/attention', '4 × 5,000', 'wasm']);
});

test('scripts/repro-table.ts prints one row per run for every file in docs/reproduction-runs', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/repro-table.ts', runs], { cwd: root });
  const rows = stdout.trim().split('\n').slice(2);
  const files = (await readdir(runs)).filter((f) => f.endsWith('.json'));
  for (const f of files) assert.ok(rows.some((r) => r.includes(`| ${f} |`)), f);
  assert.equal(rows.length, 7 + 1 + 2 + 16 + 2, '7 CLI results, a one-row sweep, Table D (2 rows), Tables A and B (16), Table C (2)');
  assert.ok(rows.every((r) => /\| \d\.\d{4}( ± \d\.\d{4})? \(\d\) \| \d\.\d{4} \| [+-]\d\.\d{4} \|/.test(r)), stdout);
});
