// POST /v1/experiments/:id/cancel over HTTP, against the real database and Redis (no worker: the worker's side
// is in test/cancel.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { cancelChannel, redisOptions } from '@slmlab/core';
import { experimentsRepo } from '@slmlab/db';
import { closeTestApp, testApp } from '../testing.ts';

const SPEC = { name: 'cancel test', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1 } };

describe('POST /v1/experiments/:id/cancel', () => {
  let app: FastifyInstance;
  const created: string[] = [];
  before(async () => {
    app = await testApp('test-api-cancel');
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { id: { in: created } } });
    await closeTestApp(app);
  });

  async function submit() {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: SPEC });
    assert.equal(res.statusCode, 201);
    created.push(res.json().id);
    return res.json().id as string;
  }

  const cancel = async (id: string) => {
    const res = await app.inject({ method: 'POST', url: `/v1/experiments/${id}/cancel` });
    return { status: res.statusCode, body: res.json() };
  };

  test('a queued experiment: its job is removed and it is cancelled (200); a second cancel is 409', async () => {
    const id = await submit();
    assert.ok(await app.queue.getJob(id));
    const { status, body } = await cancel(id);
    assert.equal(status, 200);
    assert.deepEqual([body.id, body.status, body.cancelRequestedAt, body.error], [id, 'cancelled', null, 'cancelled while queued']);
    assert.ok(body.finishedAt);
    assert.equal(await app.queue.getJob(id), undefined, 'the job is gone from the queue');
    assert.equal(await experimentsRepo(app.db).claim(id, { workerId: 'w', backend: 'wasm', device: 'cpu' }, 60), false, 'no worker can revive it');

    const again = await cancel(id);
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { error: { code: 'conflict', message: `experiment ${id} is already cancelled`, status: 'cancelled' } });
  });

  test('a running experiment: the request is recorded and published to the workers (202)', async () => {
    const id = await submit();
    await experimentsRepo(app.db).claim(id, { workerId: 'w', backend: 'wasm', device: 'cpu' }, 60);
    const sub = new Redis(redisOptions(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
    try {
      await sub.subscribe(cancelChannel(app.queue.opts.prefix!));
      const heard = once(sub, 'message');
      const { status, body } = await cancel(id);
      assert.equal(status, 202);
      assert.equal(body.status, 'running', 'the worker marks it cancelled once it has stopped');
      assert.ok(Date.parse(body.cancelRequestedAt) <= Date.now());
      const [, message] = await heard;
      assert.equal(message, id);
    } finally {
      sub.disconnect();
    }
    const row = await app.db.experiment.findUniqueOrThrow({ where: { id } });
    assert.deepEqual([row.status, row.cancelRequestedAt instanceof Date], ['running', true]);
  });

  test('an experiment that ended is 409 with its status, and is left as it was', async () => {
    for (const end of ['succeeded', 'failed'] as const) {
      const id = await submit();
      await app.db.experiment.update({ where: { id }, data: { status: end } });
      const { status, body } = await cancel(id);
      assert.equal(status, 409);
      assert.deepEqual([body.error.code, body.error.status], ['conflict', end]);
      assert.equal((await app.db.experiment.findUniqueOrThrow({ where: { id } })).status, end);
    }
  });

  test('an unknown id is 404; an id that is not a uuid is 400', async () => {
    const unknown = await cancel('6f1c2b0e-0d2a-4c1e-9a57-0b8f3c1d2e4f');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'not_found']);
    const bad = await cancel('nope');
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_request']);
  });
});
