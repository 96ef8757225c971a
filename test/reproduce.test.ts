// `slmlab reproduce paper` through a real API and worker, at tiny settings: it submits one sweep per row of the
// chosen table, follows them to the end, and prints the table beside the study's numbers with the difference.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { repoRoot, startProcess, stop, type Proc } from './helpers/stack.ts';

const run = promisify(execFile);
let app: FastifyInstance;
let base = '';
let worker: Proc;
let dir = '';

before(async () => {
  app = await testApp('reproduce-e2e');
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  worker = startProcess('worker', 'apps/worker/src/main.ts', { SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix!, LOG_LEVEL: 'info', WORKER_ID: 'reproduce-worker' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-reproduce-'));
});

after(async () => {
  await stop(worker);
  const sweeps = await app.db.sweep.findMany({ where: { name: { startsWith: 'paper/table-d/' } }, include: { cells: true } });
  const ids = sweeps.flatMap((s) => s.cells.map((c) => c.experimentId));
  await app.db.sweep.deleteMany({ where: { id: { in: sweeps.map((s) => s.id) } } });
  await app.db.experiment.deleteMany({ where: { id: { in: ids } } });
  await closeTestApp(app);
  await rm(dir, { recursive: true, force: true });
});

test('reproduce paper --tables=D runs both rows with 2 seeds through the service and prints the table', async () => {
  const startedAt = new Date();
  const out = path.join(dir, 'table-d.json');
  const tiny = ['--training.windowsPerEpoch=128', '--training.epochs=1', '--training.evalWindows=128', '--training.evalTokens=4000'];
  const { stdout, stderr } = await run(
    path.join(repoRoot, 'bin/slmlab'),
    ['reproduce', 'paper', '--tables=D', '--seeds=2', `--api=${base}`, '--poll=1', `--out=${out}`, ...tiny],
    { cwd: repoRoot, timeout: 400_000 },
  ).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`reproduce failed:\n${err.stderr}\n--- worker ---\n${worker.output().slice(-3000)}`);
  });
  assert.match(stderr, /submitted 2 sweeps \(2 seeds each\)/);
  assert.match(stderr, /table D: .*2 succeeded|table D: .*4 succeeded/);
  assert.match(stdout, /## Table D \(wall time/);
  assert.match(stdout, /settings changed from the study's: training\.windowsPerEpoch=128/);
  const report = JSON.parse(await readFile(out, 'utf8')) as { tables: { table: string; rows: any[] }[] };
  const rows = report.tables[0]!.rows;
  assert.deepEqual(rows.map((r) => r.preset), ['paper/table-d/learned', 'paper/table-d/rope']);
  for (const r of rows) {
    // The printed mean ± std are those of the stored results of the row's two experiments.
    const sweep = (await app.db.sweep.findFirstOrThrow({ where: { name: r.preset }, include: { cells: { include: { experiment: true } } } }));
    const nll = sweep.cells.map((c) => c.experiment.testNll!);
    assert.equal(nll.length, 2);
    const mean = (nll[0]! + nll[1]!) / 2;
    assert.equal(r.n, 2);
    assert.ok(Math.abs(r.testNllMean - mean) < 1e-12);
    assert.ok(Math.abs(r.testNllStd - Math.abs(nll[0]! - nll[1]!) / Math.SQRT2) < 1e-12);
    assert.ok(Math.abs(r.difference - (mean - r.study)) < 1e-12);
    assert.match(stdout, new RegExp(`\\| ${r.preset.replace('paper/', '')} \\| [\\d,]+ \\| .* \\| ${r.testNllMean.toFixed(4)} ± `));
    // Validation NLL by epoch beside the study's: one epoch was run, so epoch 1 only, the mean over both seeds.
    const points = await app.db.metricPoint.findMany({ where: { experimentId: { in: sweep.cells.map((c) => c.experimentId) }, kind: 'epoch', epoch: 1 } });
    assert.equal(points.length, 2);
    const valMean = (points[0]!.valNll! + points[1]!.valNll!) / 2;
    assert.equal(r.validation.length, 1);
    assert.equal(r.validation[0].epoch, 1);
    assert.ok(Math.abs(r.validation[0].ours - valMean) < 1e-12);
    assert.match(stdout, new RegExp(`\\| ${r.preset.replace('paper/', '')} \\| 1 \\| ${valMean.toFixed(4)} \\| ${r.validation[0].study.toFixed(4)} \\|`));
  }
  assert.equal(rows[1].validation[0].study, 2.4333);
  assert.match(stdout, /### Table D: validation NLL by epoch/);

  // The same command again re-attaches to the same sweeps: nothing new is trained, the tables come back the same.
  const again = await run(
    path.join(repoRoot, 'bin/slmlab'),
    ['reproduce', 'paper', '--tables=D', '--seeds=2', `--api=${base}`, '--poll=1', `--out=${out}`, ...tiny],
    { cwd: repoRoot, timeout: 60_000 },
  );
  assert.match(again.stderr, /submitted 2 sweeps \(2 seeds each\) .*\(2 of them already there/);
  const second = JSON.parse(await readFile(out, 'utf8')) as { tables: { rows: unknown[] }[] };
  assert.deepEqual(second.tables[0]!.rows, rows);
  assert.equal(await app.db.experiment.count({ where: { createdAt: { gte: startedAt }, name: { startsWith: 'Table D' } } }), 4);
  assert.equal(rows[0].study, 1.9738);
});
