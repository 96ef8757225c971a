// Cancelling through the API with real worker processes: a queued job never runs, a running one stops within
// seconds, is marked cancelled (not failed) and is not retried, and its worker carries on with the next job.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TRAIN_JOB, estimateCost, parseSpec, specHash } from '@slmlab/core';
import { experimentsRepo } from '@slmlab/db';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { startProcess, stop, waitFor, type Proc } from './helpers/stack.ts';

const TINY = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1, windowsPerEpoch: 2000, evalWindows: 500 } };
/** Minutes of training on this machine: only ever cancelled. */
const LONG = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 50, windowsPerEpoch: 20_000, evalWindows: 500 } };

let app: FastifyInstance;
let worker: Proc | undefined;
const created: string[] = [];
/** The experiment cancelled while no worker ran: checked again once a worker has run jobs. */
let cancelledWhileQueued = '';

before(async () => {
  app = await testApp('cancel-e2e');
});

after(async () => {
  const code = worker ? await stop(worker) : 0;
  await app.db.experiment.deleteMany({ where: { id: { in: created } } });
  await closeTestApp(app);
  assert.equal(code, 0, 'the worker stops cleanly on SIGTERM');
});

async function submit(spec: object, name: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: { ...spec, name } });
  assert.equal(res.statusCode, 201, res.body);
  created.push(res.json().id);
  return res.json().id;
}

const cancel = (id: string) => app.inject({ method: 'POST', url: `/v1/experiments/${id}/cancel` });
const row = (id: string) => app.db.experiment.findUniqueOrThrow({ where: { id } });

function startWorker(): Proc {
  return startProcess('worker', 'apps/worker/src/main.ts', {
    SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix!,
    LOG_LEVEL: 'info',
    WORKER_ID: 'cancel-worker',
  });
}

test('a queued experiment is cancelled at once and its job leaves the queue', async () => {
  cancelledWhileQueued = await submit(TINY, 'cancel e2e: queued');
  assert.equal(await (await app.queue.getJob(cancelledWhileQueued))?.getState(), 'waiting');
  const res = await cancel(cancelledWhileQueued);
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'cancelled');
  assert.equal(await app.queue.getJob(cancelledWhileQueued), undefined);
  assert.equal(await app.queue.count(), 0);
});

test('a running experiment stops within seconds, is cancelled (not failed, not retried), and its worker goes on', async () => {
  worker = startWorker();
  const w = worker;
  await waitFor('the worker to take jobs', async () => (w.output().includes('waiting for jobs') ? true : undefined), 90_000, [w]);
  const long = await submit(LONG, 'cancel e2e: running');
  await waitFor('the long run to start training', async () => (w.output().includes('training started') ? true : undefined), 60_000, [w]);
  assert.equal((await row(long)).status, 'running');

  const t0 = Date.now();
  const res = await cancel(long);
  assert.equal(res.statusCode, 202, res.body);
  const done = await waitFor('the run to be cancelled', async () => {
    const r = await row(long);
    return r.status === 'running' ? undefined : r;
  }, 10_000, [w]);
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(done.status, 'cancelled', `${done.error}\n${w.output()}`);
  assert.equal(done.attempts, 1);
  assert.equal(done.error, 'cancelled on request while running');
  assert.ok(done.cancelRequestedAt && done.finishedAt);
  assert.ok(seconds < 10, `stopped after ${seconds} s`);
  assert.match(w.output(), /cancel requested: aborting the job/, 'stopped by the published request, not the epoch fallback');

  // The row is marked before the processor throws: BullMQ moves the job a moment later.
  const job = await waitFor('the job to fail in BullMQ', async () => {
    const j = await app.queue.getJob(long);
    return (await j?.getState()) === 'failed' ? j : undefined;
  }, 5_000, [w]);
  // "failed" after 1 of 3 attempts: only an UnrecoverableError leaves a job so; a retry would be "delayed".
  assert.equal(job.opts.attempts, 3);
  assert.equal(job.attemptsMade, 1, 'UnrecoverableError: no retry');
  assert.equal(job.failedReason, 'cancelled on request');

  // Same process, next job.
  assert.equal(w.child.exitCode, null, 'the worker is still alive');
  const next = await submit(TINY, 'cancel e2e: next');
  const finished = await waitFor('the next job', async () => {
    const r = await row(next);
    return ['succeeded', 'failed'].includes(r.status) ? r : undefined;
  }, 120_000, [w]);
  assert.equal(finished.status, 'succeeded', finished.error ?? '');
  assert.equal(finished.workerId, 'cancel-worker');
  const cancelledRun = await row(long);
  assert.deepEqual([cancelledRun.status, cancelledRun.attempts], ['cancelled', 1], 'still cancelled, never retried');
});

test('a worker started after a queued cancel never ran that experiment', async () => {
  const r = await row(cancelledWhileQueued);
  assert.deepEqual([r.status, r.attempts, r.startedAt, r.workerId], ['cancelled', 0, null, null]);
  assert.ok(!worker!.output().includes(cancelledWhileQueued), 'the worker never saw its id');
});

test("a run whose worker died after a cancel request is cancelled by the next worker, not revived", async () => {
  // As left by a crash: running, a cancel requested, and its job back in the queue (a stalled job BullMQ retries).
  const repo = experimentsRepo(app.db);
  const spec = parseSpec({ ...TINY, name: 'cancel e2e: orphan' });
  const id = randomUUID();
  created.push(id);
  await repo.create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
  await repo.claim(id, { workerId: 'dead-worker', backend: 'wasm', device: 'cpu' }, 60);
  await repo.requestCancel(id);
  await app.queue.add(TRAIN_JOB, { experimentId: id, spec }, { jobId: id });
  const r = await waitFor('the orphan to be cancelled', async () => {
    const x = await row(id);
    return x.status === 'running' ? undefined : x;
  }, 15_000, [worker!]);
  assert.deepEqual([r.status, r.attempts, r.workerId, r.error], ['cancelled', 1, 'dead-worker', 'cancelled on request (its worker had stopped)']);
});
