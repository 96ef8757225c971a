// The queue reconciler against the real test database and Redis: jobs lost from Redis come back exactly for the
// experiments that are still queued or running, with the payload and options a submission gives them.
// (The Redis-restart run with real processes is test/redis-restart.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnrecoverableError, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { EXPERIMENT_QUEUE, TRAIN_JOB, redisOptions } from '@slmlab/core';
import { experimentsRepo } from '@slmlab/db';
import { buildApp } from '../app.ts';
import { loadApiConfig } from '../config.ts';
import { closeTestApp, closedPort, testApp } from '../testing.ts';
import { reconcileQueue } from './reconcile.ts';
import { TRAIN_JOB_OPTIONS } from '../experiments/submit.ts';

const SPEC = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1, windowsPerEpoch: 100 } };
const WORKER = { workerId: 'reconcile-test', backend: 'wasm', device: 'cpu' };
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('the queue reconciler', () => {
  let app: FastifyInstance;
  const created: string[] = [];
  before(async () => {
    app = await testApp('test-api-reconcile');
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { id: { in: created } } });
    await closeTestApp(app);
  });

  const repo = () => experimentsRepo(app.db);
  const pass = () => reconcileQueue({ experiments: experimentsRepo(app.db), queue: app.queue, log: app.log, heartbeatTimeoutS: 60 });
  /** The worker running `id` stopped signing of life long ago (it died). */
  const silence = (id: string) => app.db.experiment.update({ where: { id }, data: { heartbeatAt: new Date(Date.now() - 120_000) } });
  const mine = (ids: string[]) => ids.filter((id) => created.includes(id));

  async function submit(name: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: { ...SPEC, name: `reconcile test: ${name}` } });
    assert.equal(res.statusCode, 201, res.body);
    created.push(res.json().id);
    return res.json().id as string;
  }

  test('jobs lost from Redis come back exactly for the queued and running experiments, as a submission adds them', async () => {
    const queued = await submit('queued');
    const running = await submit('running');
    const cancelRequested = await submit('running, cancel requested');
    const succeeded = await submit('succeeded');
    const failed = await submit('failed');
    const cancelled = await submit('cancelled');
    const live = await submit('running, its worker alive');
    assert.ok(await repo().claim(running, WORKER, 60));
    assert.ok(await repo().claim(live, WORKER, 60));
    assert.ok(await repo().claim(cancelRequested, WORKER, 60));
    await silence(running);
    await silence(cancelRequested);
    assert.ok(await repo().requestCancel(cancelRequested));
    assert.ok(await repo().claim(succeeded, WORKER, 60));
    assert.ok(await repo().markSucceeded(succeeded, { bestValNll: 2, bestEpoch: 1, testNll: 2, wallSeconds: 1, tokensPerSec: 1, gflops: 1, mfu: null }));
    assert.ok(await repo().markFailed(failed, 'failed for the test'));
    assert.equal((await app.inject({ method: 'POST', url: `/v1/experiments/${cancelled}/cancel` })).statusCode, 200);
    const submitted = await app.queue.getJob(queued);
    assert.ok(submitted, 'a submission enqueues its job');

    // Nothing is missing yet: a pass adds nothing of ours.
    assert.deepEqual(mine((await pass()).requeued), []);

    // Redis loses every key of this queue (a restart without persistence, a FLUSHALL).
    await app.queue.obliterate({ force: true });
    for (const id of created) assert.equal(await app.queue.getJob(id), undefined);

    const result = await pass();
    // A running row's job comes back too once its heartbeat is stale: a worker's claim takes such a row (its
    // worker died), and refuses one with a cancel request, which it marks cancelled instead. A running row with
    // a fresh heartbeat gets no job: its worker is alive and still training it.
    assert.deepEqual(new Set(mine(result.requeued)), new Set([queued, running, cancelRequested]));
    assert.equal(await app.queue.getJob(live), undefined);
    assert.deepEqual(mine(result.failed), []);
    assert.equal(result.checked, await app.db.experiment.count({ where: { status: { in: ['queued', 'running'] } } }), 'every live row of this file\'s database was looked at');
    for (const id of [queued, running, cancelRequested]) {
      const job = await app.queue.getJob(id);
      assert.ok(job, `the job of ${id} is back`);
      assert.equal(await job.getState(), 'waiting');
      assert.equal(job.name, TRAIN_JOB);
      const row = await repo().get(id);
      assert.deepEqual(job.data, { experimentId: id, spec: row!.spec }, 'the payload a submission enqueues');
      assert.equal(job.opts.attempts, TRAIN_JOB_OPTIONS.attempts);
      assert.deepEqual(job.opts.backoff, TRAIN_JOB_OPTIONS.backoff);
      assert.equal(job.opts.removeOnComplete, TRAIN_JOB_OPTIONS.removeOnComplete);
      assert.equal(job.opts.removeOnFail, TRAIN_JOB_OPTIONS.removeOnFail);
    }
    assert.deepEqual((await app.queue.getJob(queued))!.data, submitted.data, 'the same payload as the lost job');
    for (const id of [succeeded, failed, cancelled]) {
      assert.equal(await app.queue.getJob(id), undefined, `no job for the ended experiment ${id}`);
    }
    // Rows are not touched: statuses and attempts are as they were.
    assert.deepEqual(
      (await app.db.experiment.findMany({ where: { id: { in: created } }, select: { id: true, status: true } }))
        .map((r) => [created.indexOf(r.id), r.status])
        .sort(),
      [[0, 'queued'], [1, 'running'], [2, 'running'], [3, 'succeeded'], [4, 'failed'], [5, 'cancelled'], [6, 'running']],
    );

    // Again: nothing of ours is missing, nothing is added twice.
    assert.deepEqual(mine((await pass()).requeued), []);
    const waiting = (await app.queue.getWaiting()).map((j) => j.id!);
    for (const id of [queued, running, cancelRequested]) assert.equal(waiting.filter((w) => w === id).length, 1);
  });

  test('passes from several API processes at once add each lost job once', async () => {
    const ids = [await submit('concurrent 1'), await submit('concurrent 2'), await submit('concurrent 3')];
    await app.queue.obliterate({ force: true });
    // A second app (another API process) on the same database and queue.
    const other = await testApp('test-api-reconcile', { SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix });
    try {
      const results = await Promise.all([
        pass(),
        pass(),
        reconcileQueue({ experiments: experimentsRepo(other.db), queue: other.queue, log: other.log, heartbeatTimeoutS: 60 }),
      ]);
      for (const r of results) assert.deepEqual(r.failed, []);
      const waiting = (await app.queue.getWaiting()).map((j) => j.id!);
      for (const id of ids) assert.equal(waiting.filter((w) => w === id).length, 1, `exactly one job for ${id}`);
      assert.equal(await app.queue.count(), new Set(waiting).size, 'no duplicates in the queue');
    } finally {
      await other.close();
    }
  });

  test('a live experiment whose job failed for good in BullMQ (e.g. stalled too often) is marked failed with the reason', async () => {
    await app.queue.obliterate({ force: true }); // this queue now holds only the job below
    const id = await submit('job failed in BullMQ');
    assert.ok(await repo().claim(id, WORKER, 60));
    // A real BullMQ failure, as the stalled-job checker leaves it: the job failed, the row still says running.
    const worker = new Worker(EXPERIMENT_QUEUE, async () => {
      throw new UnrecoverableError('job stalled more than allowable limit');
    }, { connection: redisOptions(redisUrl), prefix: app.queue.opts.prefix });
    try {
      await waitFor(async () => (await (await app.queue.getJob(id))?.getState()) === 'failed', 15_000, 'the job to fail');
    } finally {
      await worker.close();
    }
    assert.equal((await repo().get(id))!.status, 'running');

    const result = await pass();
    assert.ok(result.failed.includes(id));
    assert.ok(!result.requeued.includes(id), 'its job exists (failed): not added again');
    const row = await repo().get(id);
    assert.deepEqual([row!.status, row!.error], ['failed', 'its job failed in the queue: job stalled more than allowable limit']);
    assert.ok(row!.finishedAt);
    assert.ok(!(await pass()).failed.includes(id), 'settled once');
  });

  test('the app runs it at start and then every SLMLAB_RECONCILE_INTERVAL_S seconds', async () => {
    const ticking = await testApp('test-api-reconcile', { SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix, SLMLAB_RECONCILE_INTERVAL_S: '1' });
    try {
      const id = await submit('re-added by the running app');
      await app.queue.remove(id);
      assert.equal(await app.queue.getJob(id), undefined);
      await waitFor(async () => (await app.queue.getJob(id)) !== undefined, 15_000, 'the app to re-add the job');
      assert.equal(await (await app.queue.getJob(id))!.getState(), 'waiting');
    } finally {
      await ticking.close();
    }
  });
});

describe('the queue reconciler while Redis is down', () => {
  test('a pass fails fast, the app logs it and keeps serving, and tries again', async () => {
    const lines: string[] = [];
    const config = loadApiConfig({
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      SLMLAB_QUEUE_PREFIX: `test-api-reconcile-down-${process.pid}`,
      SLMLAB_RECONCILE_INTERVAL_S: '1',
    });
    const app = buildApp({ config, logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });
    try {
      await app.ready();
      const t0 = Date.now();
      await assert.rejects(reconcileQueue({ experiments: experimentsRepo(app.db), queue: app.queue, log: app.log, heartbeatTimeoutS: 60 }), /Redis did not answer within 3000 ms/);
      assert.ok(Date.now() - t0 < 10_000, 'fails within the enqueue timeout, not hanging');
      await waitFor(async () => lines.some((l) => l.includes('queue reconciliation failed')), 15_000, 'the failure to be logged');
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200, 'the API still serves');
      // The failure is logged once per distinct error, not at every tick.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(lines.filter((l) => l.includes('queue reconciliation failed')).length, 1, lines.join(''));
    } finally {
      await app.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
