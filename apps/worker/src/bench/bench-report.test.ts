// bench:train's arithmetic and settings: medians, the ratio it refuses for models that differ, the tables,
// model selection and the environment it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchEnv } from './bench-env.ts';
import { MODELS, selectModels, specOf } from './bench-models.ts';
import { machineTable, median, paramTable, perCoreTable, ratio, roundRatios, type ModelResult } from './bench-report.ts';

const result = (over: Partial<ModelResult> = {}): ModelResult => ({
  label: 'm',
  flopsPerToken: 1e6,
  params: { costModel: 10, tfjs: 10, torch: 10 },
  slmlab: { 'wasm-slmlab': [100, 300, 200], 'wasm-slmlab-nofma': [50, 50, 50] },
  torch: [400, 100, 200],
  heapMiB: 1,
  ...over,
});

test('median of odd and even counts, NaN of none', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('the ratio is median over median, and refused where a parameter count differs or a side is missing', () => {
  assert.equal(ratio(result()), 1);
  assert.equal(ratio(result({ params: { costModel: 10, tfjs: 10, torch: 11 } })), undefined);
  assert.equal(ratio(result({ params: { costModel: 10, tfjs: 9, torch: 10 } })), undefined);
  assert.equal(ratio(result({ torch: undefined })), undefined);
  assert.equal(ratio(result({ machine: { slmlab: [300], torch: [100] } }), true), 3);
  assert.deepEqual(roundRatios([100, 300, 200], [400, 100]), [0.25, 3]);
});

test('the tables say which counts differ and print no ratio for them', () => {
  const bad = result({ label: 'bad', params: { costModel: 10, tfjs: 10, torch: 12 } });
  assert.match(paramTable([result(), bad]).join('\n'), /\| m \| 10 \| 10 \| 10 \| equal \|[\s\S]*\| bad \|.*DIFFER/);
  const rows = perCoreTable([result(), bad], { wasm: 1, native1: 2 });
  assert.match(rows[2]!, /^\| m \| 200 \| 200 \| 1\.00× \| 0\.25, 3\.00, 1\.00 \| 0\.20 \| 20\.0% \| 10\.0% \| 10\.0% \| 4\.00× \| — \|$/);
  assert.match(rows[3]!, /^\| bad \| 200 \| 200 \| — \| params differ \|/);
  assert.equal(machineTable([result()], 2).length, 2, 'no row for a model measured without BENCH_MACHINE');
});

test('BENCH_MODELS picks by label prefix, and the study transformer prefix still means its two rows', () => {
  assert.deepEqual(selectModels('transformer L=3 H=4').map((m) => m.label), ['transformer L=3 H=4', 'transformer L=3 H=4 all-tokens']);
  assert.equal(selectModels('linear,mlp').length, 6);
  assert.equal(selectModels(undefined).length, MODELS.length);
  assert.throws(() => selectModels('gru'), /matches none/);
  for (const m of MODELS) assert.equal(specOf(m).training.batchSize, 64, m.label);
});

test('bench settings: defaults, and a bad value fails with its name', () => {
  const env = benchEnv({});
  assert.equal(env.seconds, 4);
  assert.equal(env.rounds, 3);
  assert.equal(env.stock, true);
  assert.equal(env.machine, false);
  assert.equal(benchEnv({ BENCH_STOCK: '0', BENCH_MACHINE: '1' }).stock, false);
  assert.throws(() => benchEnv({ BENCH_ROUNDS: '1.5' }), /BENCH_ROUNDS must be a positive integer/);
  assert.throws(() => benchEnv({ BENCH_STOCK: 'no' }), /BENCH_STOCK must be 0 or 1/);
});
