// Probes against the real services, and what the API does when Redis or PostgreSQL is unreachable: it answers
// 503 quickly, never hangs, and still closes cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, closedPort, testApp } from '../testing.ts';

describe('with PostgreSQL and Redis up', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-health');
  });
  after(() => closeTestApp(app));

  test('/healthz is 200', async () => {
    const res = await app.inject({ url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/readyz is 200 with every check ok', async () => {
    const res = await app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });
});

describe('with Redis unreachable', () => {
  let app: FastifyInstance;
  let closed = false;
  before(async () => {
    app = await testApp('test-api-noredis', { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  });
  after(async () => {
    if (!closed) await app.close(); // the last test closes it; this only runs when that test did not
  });

  test('/healthz is still 200: the process is up', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  });

  test('/readyz is 503 within the check timeout and names Redis', async () => {
    const started = Date.now();
    const res = await app.inject({ url: '/readyz' });
    assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);
    assert.equal(res.statusCode, 503);
    const body = res.json();
    assert.equal(body.status, 'unavailable');
    assert.equal(body.checks.postgres, 'ok');
    assert.match(body.checks.redis, /^error: /);
  });

  test('a submission is 503 and its experiment is stored as failed, with the reason', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v1/experiments', payload: { dataset: 'tinyshakespeare', model: { kind: 'linear' } },
    });
    assert.equal(res.statusCode, 503);
    const { error } = res.json();
    assert.equal(error.code, 'unavailable');
    const id = /experiment ([0-9a-f-]{36}) was marked failed/.exec(error.message)?.[1];
    assert.ok(id, error.message);
    const row = await app.db.experiment.findUniqueOrThrow({ where: { id } });
    assert.equal(row.status, 'failed');
    assert.match(row.error ?? '', /^could not enqueue: /);
    assert.ok(row.finishedAt);
    await app.db.experiment.delete({ where: { id } });
  });

  test('the app closes promptly', async () => {
    const started = Date.now();
    await app.close();
    closed = true;
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  });
});

describe('with PostgreSQL unreachable', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-nodb', { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/none` });
  });
  after(() => closeTestApp(app));

  test('/readyz is 503 and names PostgreSQL', async () => {
    const res = await app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().checks.postgres, /^error: /);
    assert.equal(res.json().checks.redis, 'ok');
  });

  test('reads are 503 unavailable, not 500', async () => {
    const res = await app.inject({ url: '/v1/experiments/6f1c2b0e-0d2a-4c1e-9a57-0b8f3c1d2e4f' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'unavailable');
  });
});
