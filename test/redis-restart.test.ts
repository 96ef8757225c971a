// Redis restarted during a running job, in the worst case: a private redis-server with no persistence, killed
// (SIGKILL) and started again empty on the same port, while a real worker process trains one experiment and a
// second one waits in the queue. Nothing may be lost: the running experiment still ends succeeded, with its
// result and its whole curve written once; the queued one (whose job died with Redis) is re-enqueued by the
// API's reconciler and also ends succeeded; neither process crashes.
// Runs on a database of its own: the reconciler looks at every live experiment of its database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPERIMENT_QUEUE, redisOptions } from '@slmlab/core';
import { createDb, type Db } from '@slmlab/db';
import { privateDatabase, type PrivateDatabase } from './helpers/db.ts';
import { startPrivateRedis, type PrivateRedis } from './helpers/redis.ts';
import { freePort, startProcess, stop, waitFor, type Proc } from './helpers/stack.ts';

/** About 20 s of training here (4 epochs of ~5 s): long enough to restart Redis in the middle of it. */
const LONG = {
  name: 'redis restart: running',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 4, windowsPerEpoch: 8192, evalWindows: 1000, seed: 11 },
};
const SHORT = {
  name: 'redis restart: queued',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 1, windowsPerEpoch: 2000, evalWindows: 500, seed: 12 },
};
const prefix = `restart-${process.pid}`;

let database: PrivateDatabase | undefined;
let redis: PrivateRedis | undefined;
let db: Db | undefined;
let queue: Queue | undefined;
let api: Proc | undefined;
let worker: Proc | undefined;
let base = '';

before(async () => {
  database = await privateDatabase('slmlab_test_redis_restart');
  db = createDb(database.url);
  redis = await startPrivateRedis(await freePort());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    SLMLAB_QUEUE_PREFIX: prefix,
    PORT: String(port),
    LOG_LEVEL: 'info',
    WORKER_ID: 'restart-worker',
    WORKER_CONCURRENCY: '1',
    SLMLAB_RECONCILE_INTERVAL_S: '2',
  };
  api = startProcess('api', 'apps/api/src/server.ts', env);
  worker = startProcess('worker', 'apps/worker/src/main.ts', env);
  const [a, w] = [api, worker];
  await waitFor('the API to be ready', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 90_000, [a]);
  await waitFor('the worker to take jobs', async () => (w.output().includes('waiting for jobs') ? true : undefined), 120_000, [w]);
  queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redis.url), prefix });
  queue.on('error', () => undefined); // it sees the restart too, and reconnects
});

after(async () => {
  // Everything is stopped even when a test failed: the processes first, then Redis and the database.
  const codes = await Promise.all([api ? stop(api) : 0, worker ? stop(worker) : 0]);
  await queue?.close().catch(() => undefined);
  await db?.$disconnect();
  await redis?.close();
  await database?.drop();
  assert.deepEqual(codes, [0, 0], 'both processes stop cleanly on SIGTERM');
});

async function submit(spec: object): Promise<string> {
  const res = await fetch(`${base}/v1/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  const json = (await res.json()) as { id: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return json.id;
}

/** Read from PostgreSQL directly (polling over HTTP would fill the API's log, which the test reads). */
const row = (id: string) => db!.experiment.findUniqueOrThrow({ where: { id } });

const ended = (id: string, what: string) =>
  waitFor(what, async () => {
    const r = await row(id);
    return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  }, 240_000, [worker!, api!]);

test('a Redis restart that loses every key loses no experiment and no result', async () => {
  const running = await submit(LONG);
  const queued = await submit(SHORT);
  await waitFor('the first experiment to be running', async () => ((await row(running)).status === 'running' ? true : undefined), 120_000, [worker!]);
  await waitFor('training to start', async () => (worker!.output().includes('training started') ? true : undefined), 60_000, [worker!]);
  assert.equal((await row(queued)).status, 'queued', 'the worker (concurrency 1) is busy: the second one waits');
  assert.equal(await (await queue!.getJob(queued))?.getState(), 'waiting');

  const restartedAt = Date.now();
  await redis!.restart();
  assert.equal((await row(running)).status, 'running', 'Redis restarted while the first experiment was training');
  assert.equal(worker!.child.exitCode, null, 'the worker survives losing its Redis connection');

  // The queued experiment's job died with Redis; the reconciler adds it again (its new job is younger than the
  // restart) and the worker trains it once it is done with the first.
  const requeued = await waitFor('the reconciler to re-enqueue the queued experiment', async () => {
    const job = await queue!.getJob(queued);
    return job && job.timestamp >= restartedAt ? job : undefined;
  }, 60_000, [api!]);
  assert.deepEqual(requeued.data, { experimentId: queued, spec: (await row(queued)).spec });
  assert.match(api!.output(), new RegExp(`"experimentId":"${queued}".*re-enqueued`));

  const first = await ended(running, 'the running experiment to end');
  assert.equal(first.status, 'succeeded', `${first.error}\n${worker!.output()}`);
  assert.equal(first.attempts, 1, 'trained once: the re-added job of a finished run is dropped, not run again');
  assert.ok(Number.isFinite(first.testNll) && first.testNll! < Math.log(65), `test NLL ${first.testNll}`);
  assert.ok(first.bestEpoch !== null && first.bestValNll !== null && first.finishedAt);
  const points = await db!.metricPoint.findMany({ where: { experimentId: running }, orderBy: { step: 'asc' } });
  assert.deepEqual(points.map((p) => [p.kind, p.epoch]), [['epoch', 1], ['epoch', 2], ['epoch', 3], ['epoch', 4]], 'the whole curve, no duplicates');
  assert.equal(new Set(points.map((p) => p.step)).size, 4);
  assert.equal(points[3]!.tokens, 4 * 8192 * 16);
  assert.equal(await db!.checkpoint.count({ where: { experimentId: running, tag: 'best' } }), 1, 'its best weights are saved');

  const second = await ended(queued, 'the re-enqueued experiment to end');
  assert.equal(second.status, 'succeeded', `${second.error}\n${worker!.output()}`);
  assert.equal(second.attempts, 1);
  assert.ok(Number.isFinite(second.testNll));
  assert.deepEqual((await db!.metricPoint.findMany({ where: { experimentId: queued } })).map((p) => p.epoch), [1]);

  // Both processes lived through it and still work.
  assert.equal(worker!.child.exitCode, null, 'the worker is still running');
  assert.equal(api!.child.exitCode, null, 'the API is still running');
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.doesNotMatch(worker!.output(), /unhandled rejection/);
  const third = await submit({ ...SHORT, name: 'redis restart: after', training: { ...SHORT.training, seed: 13 } });
  assert.equal((await ended(third, 'a job submitted after the restart to end')).status, 'succeeded');
});

test('a worker idle (blocked waiting for a job) when Redis restarts takes the next job', async () => {
  await waitFor('the worker to be idle', async () => ((await queue!.getActiveCount()) === 0 ? true : undefined), 60_000, [worker!]);
  await redis!.restart();
  // The API answers 503 to submissions until its own connection is back; a client would retry, so does the test.
  await waitFor('the API to reach Redis again', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 60_000, [api!]);
  const id = await submit({ ...SHORT, name: 'redis restart: idle worker', training: { ...SHORT.training, seed: 14 } });
  const done = await ended(id, 'the job submitted after an idle restart to end');
  assert.equal(done.status, 'succeeded', `${done.error}\n${worker!.output()}`);
  assert.equal(done.attempts, 1);
  assert.equal(worker!.child.exitCode, null, 'the worker is still running');
});
