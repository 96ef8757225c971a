// /v1/workers and /v1/queue on the real stack: registry entries written to Redis as workers write them (under the
// app's own prefix), experiments in this file's own database, jobs in the app's own BullMQ queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { TRAIN_JOB, redisOptions, workerKey, type WorkerEntry } from '@slmlab/core';
import { closeTestApp, closedPort, testApp } from '../testing.ts';

const SPEC = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { epochs: 1 } };
const redis = new Redis(redisOptions(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
after(() => redis.disconnect());

const entry = (id: string, host: string, more: Partial<WorkerEntry> = {}): WorkerEntry => ({
  id, host, pid: 4242, backend: 'wasm', device: 'cpu (wasm, simd, 1 thread)', threads: 1, peakGflops: 30.1,
  startedAt: '2026-12-01T09:00:00.000Z', seenAt: '2026-12-01T09:05:00.000Z', state: 'idle', currentJob: null, ...more,
});

describe('with PostgreSQL and Redis up', () => {
  let app: FastifyInstance;
  let prefix: string;
  const keys: string[] = [];

  before(async () => {
    app = await testApp('test-api-workers');
    prefix = app.queue.opts.prefix!;
  });
  after(async () => {
    await closeTestApp(app);
  });

  async function register(...entries: WorkerEntry[]) {
    for (const e of entries) {
      keys.push(workerKey(prefix, e.id));
      await redis.set(workerKey(prefix, e.id), JSON.stringify(e), 'PX', 60_000);
    }
  }
  async function unregister() {
    if (keys.length) await redis.del(...keys.splice(0));
  }
  async function submit(name: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: { ...SPEC, name } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }
  async function clearExperiments() {
    await app.db.experiment.deleteMany({});
    await app.queue.obliterate({ force: true });
  }

  test('GET /v1/workers with no worker alive: no items', async () => {
    const res = await app.inject({ url: '/v1/workers' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { items: [] });
  });

  test('GET /v1/workers lists every entry of this deployment by host then id, with the current job named', async () => {
    const trained = await submit('workers api: being trained');
    const gone = randomUUID(); // a job whose experiment has been deleted
    const since = '2026-12-01T09:04:00.000Z';
    const busy = entry('w-b', 'host-a', { state: 'busy', currentJob: { experimentId: trained, since } });
    const stopping = entry('w-c', 'host-a', { state: 'stopping', peakGflops: null, currentJob: { experimentId: gone, since } });
    const idle = entry('w-a', 'host-b');
    try {
      await register(idle, stopping, busy);
      // Not listed: another deployment's worker, and keys under this prefix that are not worker entries.
      await redis.set(workerKey(`${prefix}-other`, 'w-x'), JSON.stringify(entry('w-x', 'host-a')), 'PX', 60_000);
      keys.push(workerKey(`${prefix}-other`, 'w-x'), workerKey(prefix, 'junk'), workerKey(prefix, 'partial'));
      await redis.set(workerKey(prefix, 'junk'), 'not json', 'PX', 60_000);
      await redis.set(workerKey(prefix, 'partial'), JSON.stringify({ id: 'partial', host: 'host-a' }), 'PX', 60_000);

      const res = await app.inject({ url: '/v1/workers' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        items: [
          { ...busy, currentJob: { experimentId: trained, since, name: 'workers api: being trained' } },
          { ...stopping, currentJob: { experimentId: gone, since, name: null } },
          idle,
        ],
      });
    } finally {
      await unregister();
      await clearExperiments();
    }
  });

  test('GET /v1/queue counts jobs by state (BullMQ), experiments by status (PostgreSQL) and workers', async () => {
    try {
      const ids = [];
      for (const name of ['q1', 'q2', 'q3', 'q4', 'q5']) ids.push(await submit(`workers api: ${name}`));
      const statuses = ['running', 'succeeded', 'failed', 'cancelled'] as const;
      for (const [i, status] of statuses.entries()) await app.db.experiment.update({ where: { id: ids[i]! }, data: { status } });
      const data = (experimentId: string) => ({ experimentId, spec: {} as never });
      await app.queue.add(TRAIN_JOB, data(randomUUID()), { delay: 600_000 });
      await app.queue.add(TRAIN_JOB, data(randomUUID()), { priority: 3 });
      await register(entry('w-1', 'host-a', { state: 'busy', currentJob: { experimentId: ids[0]!, since: '2026-12-01T09:04:00.000Z' } }), entry('w-2', 'host-a'));

      const res = await app.inject({ url: '/v1/queue' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        jobs: { waiting: 5, active: 0, delayed: 1, prioritized: 1, failed: 0, completed: 0, paused: 0 },
        experiments: { queued: 1, running: 1, succeeded: 1, failed: 1, cancelled: 1 },
        workers: { live: 2, busy: 1 },
      });

      // A paused queue keeps its jobs where they are; `paused` says how many it holds back.
      await app.queue.pause();
      try {
        assert.deepEqual((await app.inject({ url: '/v1/queue' })).json().jobs, { waiting: 5, active: 0, delayed: 1, prioritized: 1, failed: 0, completed: 0, paused: 6 });
      } finally {
        await app.queue.resume();
      }
    } finally {
      await unregister();
      await clearExperiments();
    }
  });

  test('GET /v1/queue with nothing stored: every count is 0', async () => {
    const res = await app.inject({ url: '/v1/queue' });
    assert.deepEqual(res.json(), {
      jobs: { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0, completed: 0, paused: 0 },
      experiments: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      workers: { live: 0, busy: 0 },
    });
  });
});

describe('with Redis unreachable', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-workers-noredis', { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  });
  after(() => app.close());

  for (const url of ['/v1/workers', '/v1/queue']) {
    test(`GET ${url} is 503 unavailable, quickly`, async () => {
      const started = Date.now();
      const res = await app.inject({ url });
      assert.ok(Date.now() - started < 4000, `answered in ${Date.now() - started} ms`);
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { error: { code: 'unavailable', message: 'the queue (Redis) did not answer within 3000 ms; retry later' } });
    });
  }
});

describe('auth on', () => {
  test('reads need no token with open reads (the default), and one without them', async () => {
    for (const [openReads, status] of [['true', 200], ['false', 401]] as const) {
      const app = await testApp('test-api-workers-auth', { SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: openReads });
      try {
        assert.deepEqual([(await app.inject({ url: '/v1/workers' })).statusCode, (await app.inject({ url: '/v1/queue' })).statusCode], [status, status]);
      } finally {
        await closeTestApp(app);
      }
    }
  });
});
