// Per-job budgets end to end: a spec whose training.maxTrainFlops or training.maxWallSeconds runs out, submitted
// over HTTP to a real API and trained by a real worker process, ends failed with the reason, once (no retry),
// and the worker goes on with the next job.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { createDb } from '@slmlab/db';
import { startStack, waitFor, type Proc, type Stack } from './helpers/stack.ts';

const prefix = `budget-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const db = createDb(process.env.DATABASE_URL!);
const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
const created: string[] = [];
let stack: Stack | undefined;
let worker: Proc | undefined;
let base = '';

/** Linear, T=16: about 5.4e7 training FLOPs per step of 64 windows, some 500 steps and 25 s here without a budget. */
const LINEAR = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 } } as const;

before(async () => {
  stack = await startStack(prefix, { WORKER_ID: 'budget-worker' });
  ({ worker, base } = stack);
});

after(async () => {
  const codes = stack ? await stack.stop() : [0, 0];
  await db.experiment.deleteMany({ where: { id: { in: created } } });
  await db.$disconnect();
  await queue.obliterate({ force: true });
  await queue.close();
  assert.deepEqual(codes, [0, 0], 'both processes stop cleanly on SIGTERM');
});

async function submit(spec: object): Promise<string> {
  const res = await fetch(`${base}/v1/experiments?force=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  const json = (await res.json()) as { id: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  created.push(json.id);
  return json.id;
}

async function ended(id: string) {
  return waitFor('the run to end', async () => {
    const e = (await (await fetch(`${base}/v1/experiments/${id}`)).json()) as any;
    return ['succeeded', 'failed', 'cancelled'].includes(e.status) ? e : undefined;
  }, 180_000, [worker!]);
}

/** Failed for good in BullMQ after one attempt: not retried, and with the same reason as the row. */
async function assertNotRetried(id: string, error: string) {
  const job = await waitFor('the job to fail in BullMQ', async () => {
    const j = await queue.getJob(id);
    return (await j?.getState()) === 'failed' ? j : undefined;
  }, 10_000, [worker!]);
  // BullMQ leaves a job "failed" before its last attempt only for an UnrecoverableError; one to be retried would
  // be "delayed" (backoff) or "waiting". So failed after 1 of 3 attempts is "not retried", with no need to wait.
  assert.equal(job.opts.attempts, 3);
  assert.equal(job.attemptsMade, 1, 'UnrecoverableError: no retry');
  assert.equal(job.failedReason, error);
  const row = await db.experiment.findUniqueOrThrow({ where: { id } });
  assert.deepEqual([row.status, row.attempts], ['failed', 1], 'still failed, claimed once');
}

test('a spent maxTrainFlops fails the run with "budget exceeded", deterministically in epoch 1, and is not retried', async () => {
  const id = await submit({ ...LINEAR, name: 'budget e2e: flops', training: { epochs: 3, windowsPerEpoch: 8192, evalWindows: 500, maxTrainFlops: 1e9 } });
  const done = await ended(id);
  assert.equal(done.status, 'failed', `${done.error}\n${worker!.output()}`);
  assert.match(done.error, /^budget exceeded: [\d.]+e\+9 training FLOPs > maxTrainFlops 1\.000e\+9 at epoch 1, step \d+$/);
  const step = Number(/step (\d+)$/.exec(done.error)![1]);
  assert.ok(step > 1 && step < 128, `stopped at step ${step}, long before the end of epoch 1 (128 steps)`);
  assert.equal(done.attempts, 1);
  assert.equal(done.result, null, 'no result');
  assert.deepEqual(done.metrics, [], 'no epoch finished');
  await assertNotRetried(id, done.error);
});

test('a spent maxWallSeconds fails the run with "budget exceeded" and is not retried; the worker goes on', async () => {
  const id = await submit({ ...LINEAR, name: 'budget e2e: wall', training: { epochs: 20, windowsPerEpoch: 8192, evalWindows: 500, maxWallSeconds: 2 } });
  const t0 = Date.now();
  const done = await ended(id);
  assert.equal(done.status, 'failed', `${done.error}\n${worker!.output()}`);
  assert.match(done.error, /^budget exceeded: [\d.]+ s of wall-clock time > maxWallSeconds 2 at epoch \d+, step \d+$/);
  assert.ok((Date.now() - t0) / 1000 < 60, 'stopped long before its 20 epochs (minutes here)');
  assert.equal(done.attempts, 1);
  await assertNotRetried(id, done.error);

  // Same worker, next job: a budget that is not spent.
  const next = await submit({ ...LINEAR, name: 'budget e2e: within budget', training: { epochs: 1, windowsPerEpoch: 1000, evalWindows: 500, maxTrainFlops: 1e15, maxWallSeconds: 3600 } });
  const fine = await ended(next);
  assert.equal(fine.status, 'succeeded', fine.error ?? '');
  assert.equal(fine.result.workerId, 'budget-worker');
});
