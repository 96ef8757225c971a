// /v1/sweeps over HTTP, against the real database and Redis (no worker: results are written through the repository).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { experimentsRepo } from '@slmlab/db';
import { closeTestApp, testApp } from '../testing.ts';

// A windowsPerEpoch no other suite uses: this file's cells must not deduplicate onto other suites' experiments.
const W = 100_000 + Math.floor(Math.random() * 800_000);
const base = (windows = W) => ({
  dataset: 'tinyshakespeare',
  model: { kind: 'transformer', contextLength: 8, dModel: 16, heads: 2, ffnHidden: 16 },
  training: { epochs: 2, windowsPerEpoch: windows },
});
const SWEEP = { name: 'sweep test', base: base(), axes: { 'model.layers': [1, 2], 'model.positions': ['learned', 'rope'] }, seeds: [1, 2] };
/** With a message: assert.ok without one re-reads the source to describe the failure, which hangs under tsx here. */
const assertNear = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);
const WORKER = { workerId: 'sweep-test', backend: 'wasm', device: 'cpu' };

interface Cell {
  index: number;
  axes: Record<string, unknown>;
  seed: number | null;
  experimentId: string;
  status: string;
  testNll: number | null;
  replacedExperimentIds: string[];
}

describe('/v1/sweeps', () => {
  let app: FastifyInstance;
  const sweepIds: string[] = [];
  const windows = [W, W + 1, W + 2, W + 3];
  before(async () => {
    app = await testApp('test-api-sweeps');
  });
  after(async () => {
    await app.db.sweep.deleteMany({ where: { id: { in: sweepIds } } });
    for (const w of windows) await app.db.experiment.deleteMany({ where: { spec: { path: ['training', 'windowsPerEpoch'], equals: w } } });
    await closeTestApp(app);
  });

  const post = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload });
    if (res.statusCode < 300) sweepIds.push(res.json().id);
    return res;
  };
  const get = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/sweeps/${id}` })).json() as { cells: Cell[]; counts: Record<string, number> };
  const ours = (w = W) => app.db.experiment.findMany({ where: { spec: { path: ['training', 'windowsPerEpoch'], equals: w } } });

  let sweepId = '';
  let cells: Cell[] = [];

  test('a 2×2 sweep with 2 seeds is 8 experiments and 8 jobs; each cell has its axis values and seed', async () => {
    const res = await post(SWEEP);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    sweepId = body.id;
    cells = body.cells;
    assert.equal(res.headers.location, `/v1/sweeps/${sweepId}`);
    assert.deepEqual([body.name, body.cellCount, body.seeds, body.counts.queued], ['sweep test', 8, [1, 2], 8]);
    assert.equal(body.estimate.cells, 8, 'the answer estimates the 8 cells it created');
    assert.ok(body.estimate.seconds > 0 && body.estimate.trainTokens > 0);
    assert.deepEqual(
      cells.map((c) => [c.index, c.axes['model.layers'], c.axes['model.positions'], c.seed]),
      [[0, 1, 'learned', 1], [1, 1, 'learned', 2], [2, 1, 'rope', 1], [3, 1, 'rope', 2], [4, 2, 'learned', 1], [5, 2, 'learned', 2], [6, 2, 'rope', 1], [7, 2, 'rope', 2]],
    );
    const rows = await ours();
    assert.equal(rows.length, 8);
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(cells.map((c) => c.experimentId)));
    for (const c of cells) {
      const spec = rows.find((r) => r.id === c.experimentId)!.spec as { name: string; model: { layers: number; positions: string }; training: { seed: number } };
      assert.deepEqual([spec.model.layers, spec.model.positions, spec.training.seed], [c.axes['model.layers'], c.axes['model.positions'], c.seed]);
      assert.match(spec.name, /^sweep test · model\.layers=\d, model\.positions=\w+, training\.seed=\d$/);
      assert.ok(await app.queue.getJob(c.experimentId), `a job for cell ${c.index}`);
    }
    assert.equal(await app.queue.getWaitingCount(), 8);
  });

  test('reposting the same sweep (axes in another order, another name) returns it (200) and adds nothing', async () => {
    const res = await post({ ...SWEEP, name: 'renamed', axes: { 'model.positions': ['learned', 'rope'], 'model.layers': [1, 2] } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, sweepId);
    assert.deepEqual(res.json().cells.map((c: Cell) => c.experimentId), cells.map((c) => c.experimentId));
    assert.equal((await ours()).length, 8);
    assert.equal(await app.queue.getWaitingCount(), 8);
  });

  test('retry re-runs only the failed cell: one new experiment and job, the others unchanged', async () => {
    const failed = cells[5]!;
    assert.equal(await experimentsRepo(app.db).markFailed(failed.experimentId, 'boom'), true);
    const res = await app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/retry` });
    assert.equal(res.statusCode, 200, res.body);
    const { retried, sweep } = res.json();
    assert.equal(retried.length, 1);
    assert.deepEqual([retried[0].index, retried[0].previousExperimentId, retried[0].seed], [5, failed.experimentId, 2]);
    const fresh = retried[0].experimentId as string;
    assert.notEqual(fresh, failed.experimentId);
    assert.ok(await app.queue.getJob(fresh), 'a job for the new experiment');
    assert.equal(await app.queue.getWaitingCount(), 9);
    assert.equal((await ours()).length, 9);
    const now: Cell[] = sweep.cells;
    assert.deepEqual([now[5]!.experimentId, now[5]!.status, now[5]!.replacedExperimentIds], [fresh, 'queued', [failed.experimentId]]);
    for (const c of now.filter((c) => c.index !== 5)) assert.equal(c.experimentId, cells[c.index]!.experimentId);
    cells = now;

    const again = await app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/retry` });
    assert.deepEqual(again.json().retried, [], 'nothing failed any more');
  });

  test('the table aggregates seeds: mean and sample std of test NLL, n, best epochs, cost and counts', async () => {
    const repo = experimentsRepo(app.db);
    const results: Record<number, { testNll: number; bestEpoch: number }> = {
      0: { testNll: 2.5, bestEpoch: 1 },
      1: { testNll: 2.7, bestEpoch: 2 },
      2: { testNll: 3.1, bestEpoch: 2 },
    };
    for (const [index, r] of Object.entries(results)) {
      const id = cells[Number(index)]!.experimentId;
      assert.equal(await repo.claim(id, WORKER, 60), true);
      const run = { bestValNll: r.testNll - 0.1, ...r, wallSeconds: 1, tokensPerSec: 1, gflops: 1, mfu: null };
      assert.equal(await repo.markSucceeded(id, run), true);
    }
    assert.equal(await repo.claim(cells[4]!.experimentId, WORKER, 60), true, 'one running cell for the cancel test');

    const res = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweepId}/table` });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const table = res.json();
    assert.deepEqual(table.axes, ['model.layers', 'model.positions']);
    assert.deepEqual(table.rows.map((r: { axes: object }) => r.axes), [
      { 'model.layers': 1, 'model.positions': 'learned' },
      { 'model.layers': 1, 'model.positions': 'rope' },
      { 'model.layers': 2, 'model.positions': 'learned' },
      { 'model.layers': 2, 'model.positions': 'rope' },
    ]);
    const [both, one, none] = table.rows;
    const mean = (2.5 + 2.7) / 2;
    const std = Math.sqrt(((2.5 - mean) ** 2 + (2.7 - mean) ** 2) / (2 - 1));
    assert.equal(both.n, 2);
    assertNear(both.testNllMean, mean);
    assertNear(both.testNllStd, std);
    assert.deepEqual([both.bestEpochs, both.bestEpochMean, both.counts.succeeded], [[1, 2], 1.5, 2]);
    assert.deepEqual([one.n, one.testNllMean, one.testNllStd, one.counts.succeeded, one.counts.queued], [1, 3.1, null, 1, 1]);
    assert.deepEqual([none.n, none.testNllMean, none.testNllStd, none.counts.running, none.counts.queued], [0, null, null, 1, 1]);
    const row0 = (await app.db.experiment.findUniqueOrThrow({ where: { id: cells[0]!.experimentId } }));
    assert.deepEqual([both.params, both.flopsStudy, both.flopsTrain], [row0.paramCount, row0.flopsStudy, row0.flopsTrain]);
    assert.notEqual(table.rows[2].params, both.params, 'two layers have more parameters than one');

    const csv = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweepId}/table?format=csv` });
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'model.layers,model.positions,params,flopsStudy,flopsTrain,cells,n,testNllMean,testNllStd,bestEpochMean,bestEpochs,queued,running,succeeded,failed,cancelled');
    assert.equal(lines[1], `1,learned,${both.params},${both.flopsStudy},${both.flopsTrain},2,2,${mean},${std},1.5,1;2,0,0,2,0,0`);
    assert.equal(lines.length, 5);

    const md = await app.inject({ method: 'GET', url: `/v1/sweeps/${sweepId}/table?format=md` });
    assert.match(String(md.headers['content-type']), /^text\/markdown/);
    assert.match(md.body, /^\| model\.layers \| model\.positions \| params \|/);
    assert.ok(md.body.includes(`| 1 | learned | ${both.params} |`), md.body);
    assert.ok(md.body.includes(`${mean.toFixed(4)} ± ${std.toFixed(4)}`), md.body);
  });

  test('GET shows each cell and counts by status; the list has the sweep without cells', async () => {
    const sweep = await get(sweepId);
    assert.deepEqual(sweep.counts, { queued: 4, running: 1, succeeded: 3, failed: 0, cancelled: 0 });
    assert.deepEqual(sweep.cells.map((c) => c.testNll), [2.5, 2.7, 3.1, null, null, null, null, null]);
    const list = await app.inject({ method: 'GET', url: '/v1/sweeps?limit=100' });
    const mine = list.json().items.find((s: { id: string }) => s.id === sweepId);
    assert.deepEqual([mine.cellCount, mine.counts.succeeded, 'cells' in mine], [8, 3, false]);
  });

  test('DELETE cancels the queued cells and asks for the running one; ended cells are untouched', async () => {
    const res = await app.inject({ method: 'DELETE', url: `/v1/sweeps/${sweepId}` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { cancelled: 4, cancelRequested: 1, untouched: 3 });
    const sweep = await get(sweepId);
    assert.deepEqual(sweep.counts, { queued: 0, running: 1, succeeded: 3, failed: 0, cancelled: 4 });
    for (const c of sweep.cells.filter((c) => c.status === 'cancelled')) assert.equal(await app.queue.getJob(c.experimentId), undefined);
    const running = await app.db.experiment.findUniqueOrThrow({ where: { id: cells[4]!.experimentId } });
    assert.ok(running.cancelRequestedAt instanceof Date, 'a cancel was requested');
  });

  test('retry after a cancel re-runs the cancelled cells only', async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/retry` });
    assert.deepEqual(res.json().retried.map((r: { index: number }) => r.index), [3, 5, 6, 7]);
  });

  test('invalid cells: 422 naming each cell, its axis values and the field; nothing is stored', async () => {
    const res = await post({ base: base(W + 1), axes: { 'model.heads': [2, 3], 'model.layers': [1, 0] } });
    assert.equal(res.statusCode, 422, res.body);
    const { error } = res.json();
    assert.equal(error.code, 'invalid_sweep');
    assert.match(error.message, /^3 of 4 sweep cells cannot be submitted/);
    assert.deepEqual(error.cells.map((c: { index: number; axes: object }) => [c.index, c.axes]), [
      [1, { 'model.heads': 2, 'model.layers': 0 }],
      [2, { 'model.heads': 3, 'model.layers': 1 }],
      [3, { 'model.heads': 3, 'model.layers': 0 }],
    ]);
    assert.deepEqual(error.cells[1].issues, [{ path: '/model/heads', message: 'must divide dModel (16); 3 does not', code: 'invalid_spec' }]);
    assert.equal(error.cells[0].issues[0].path, '/model/layers');
    const paths = error.issues.map((i: { path: string }) => i.path);
    assert.deepEqual(paths, ['/axes/model.layers/1', '/axes/model.heads/1', '/axes/model.layers/1']);
    assert.match(error.issues[1].message, /^cell 2 \(model\.heads=3, model\.layers=1\): must divide dModel/);
    assert.equal((await ours(W + 1)).length, 0);
  });

  test('cells over the server limits, duplicate cells, too many cells and bad axis paths are refused', async () => {
    const huge = await post({ base: base(W + 2), axes: { 'model.dModel': [16, 4096] } });
    assert.equal(huge.statusCode, 422);
    assert.deepEqual(huge.json().error.cells.map((c: { index: number }) => c.index), [1]);
    assert.ok(huge.json().error.cells[0].issues.some((i: { code: string }) => i.code === 'limit_exceeded'), huge.body);

    const twins = await post({ base: base(W + 2), axes: { 'training.epochs': [2, 2] } });
    assert.equal(twins.statusCode, 422);
    assert.deepEqual(twins.json().error.cells[0].issues[0].code, 'duplicate_cell');

    const many = await post({ base: base(W + 2), axes: { 'model.layers': [1, 2] }, seeds: 501 });
    assert.equal(many.statusCode, 422);
    assert.deepEqual(many.json().error.limits, { cells: { estimate: 1002, limit: 1000 } });

    const bad = await post({ base: base(W + 2), axes: { 'model..layers': [1] } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.issues[0].path, '/axes/model..layers');
    assert.equal((await ours(W + 2)).length, 0);
  });

  test('a sweep of seeds only needs no axes (the schema default {}): one cell per seed', async () => {
    const res = await post({ name: 'seeds only', base: base(W + 3), seeds: [7, 8, 9] });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().axes, {});
    assert.deepEqual(res.json().cells.map((c: Cell) => c.seed), [7, 8, 9]);
    assert.equal((await ours(W + 3)).length, 3);
  });

  test('an unknown sweep is 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/sweeps/00000000-0000-4000-8000-000000000000/table' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
  });
});
