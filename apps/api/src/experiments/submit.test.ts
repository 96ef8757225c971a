// Repeated submissions and server-side limits, over HTTP against the real database and Redis.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { estimateCost, estimateMemoryBytes, parseSpec } from '@slmlab/core';
import { closeTestApp, testApp } from '../testing.ts';

/** A spec no other test (or earlier run) has submitted: the seed is drawn per call. */
function freshSpec(name = 'submit test') {
  const seed = Math.floor(Math.random() * 4_000_000_000);
  return { name, dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1, seed } };
}

describe('POST /v1/experiments: repeats', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-submit');
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { name: { startsWith: 'submit test' } } });
    await closeTestApp(app);
  });

  async function post(spec: object, opts: { query?: string; key?: string } = {}) {
    const headers = opts.key === undefined ? {} : { 'idempotency-key': opts.key };
    const res = await app.inject({ method: 'POST', url: `/v1/experiments${opts.query ?? ''}`, payload: spec, headers });
    return { status: res.statusCode, body: res.json(), location: res.headers['location'] };
  }

  test('the answer says what it will cost and how long it will take on one worker', async () => {
    const spec = freshSpec();
    const { status, body } = await post({ ...spec, training: { ...spec.training, windowsPerEpoch: 1000 } });
    assert.equal(status, 201);
    const { flopsTrain, flopsEval } = estimateCost(parseSpec({ ...spec, training: { ...spec.training, windowsPerEpoch: 1000 } }));
    assert.equal(body.estimate.trainTokens, 1000 * 16 * 1);
    // This file's database holds no finished run: the estimate comes from the measured one-CPU-worker range.
    assert.match(body.estimate.basis, /^one CPU worker \(wasm, one core; 7–9 GFLOP\/s/);
    assert.deepEqual(body.estimate.secondsRange, [Math.round((flopsTrain + flopsEval) / 9e9), Math.round((flopsTrain + flopsEval) / 7e9)]);
    const repeat = await post({ ...spec, training: { ...spec.training, windowsPerEpoch: 1000 } });
    assert.equal(repeat.status, 200);
    assert.deepEqual(repeat.body.estimate, body.estimate, 'a repeat is answered with the same estimate');
  });

  test('the same resolved spec, names and defaults aside, returns the live experiment with 200 and enqueues nothing', async () => {
    const spec = freshSpec();
    const first = await post(spec);
    assert.equal(first.status, 201);
    const jobs = await app.queue.count();
    // Same settings: another name, keys in another order, a default written out.
    const again = await post({ training: { ...spec.training, batchSize: 64 }, model: spec.model, dataset: spec.dataset, name: 'submit test 2' });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.location, `/v1/experiments/${first.body.id}`);
    assert.equal(again.body.name, 'submit test', "the existing experiment, as it was stored");
    assert.equal(await app.queue.count(), jobs, 'nothing enqueued');
    const row = await app.db.experiment.findUniqueOrThrow({ where: { id: first.body.id } });
    assert.match(row.specHash ?? '', /^[0-9a-f]{64}$/);
  });

  test('a different setting is a new experiment', async () => {
    const spec = freshSpec();
    const first = await post(spec);
    const other = await post({ ...spec, training: { ...spec.training, learningRate: 1e-3 } });
    assert.deepEqual([first.status, other.status], [201, 201]);
    assert.notEqual(other.body.id, first.body.id);
  });

  test('?force=true creates a new run of the same spec', async () => {
    const spec = freshSpec();
    const first = await post(spec);
    const forced = await post(spec, { query: '?force=true' });
    assert.equal(forced.status, 201);
    assert.notEqual(forced.body.id, first.body.id);
    assert.ok(await app.queue.getJob(forced.body.id), 'its job is enqueued');
  });

  test('a failed or cancelled experiment does not count: the same spec runs again', async () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const spec = freshSpec();
      const first = await post(spec);
      await app.db.experiment.update({ where: { id: first.body.id }, data: { status } });
      const again = await post(spec);
      assert.equal(again.status, 201, status);
      assert.notEqual(again.body.id, first.body.id);
    }
  });

  test('a succeeded or running experiment counts', async () => {
    for (const status of ['succeeded', 'running'] as const) {
      const spec = freshSpec();
      const first = await post(spec);
      await app.db.experiment.update({ where: { id: first.body.id }, data: { status } });
      const again = await post(spec);
      assert.deepEqual([again.status, again.body.id, again.body.status], [200, first.body.id, status]);
    }
  });

  test('an Idempotency-Key repeat returns the experiment it created, even with ?force=true', async () => {
    const key = `key-${randomUUID()}`;
    const spec = freshSpec();
    const first = await post(spec, { key, query: '?force=true' });
    assert.equal(first.status, 201);
    const jobs = await app.queue.count();
    const again = await post(spec, { key, query: '?force=true' });
    assert.deepEqual([again.status, again.body.id, again.location], [200, first.body.id, `/v1/experiments/${first.body.id}`]);
    assert.equal(await app.queue.count(), jobs);
    const row = await app.db.experiment.findUniqueOrThrow({ where: { id: first.body.id } });
    assert.equal(row.idempotencyKey, key);
  });

  test('the key still answers after its experiment failed', async () => {
    const key = `key-${randomUUID()}`;
    const spec = freshSpec();
    const first = await post(spec, { key });
    await app.db.experiment.update({ where: { id: first.body.id }, data: { status: 'failed' } });
    const again = await post(spec, { key });
    assert.deepEqual([again.status, again.body.id, again.body.status], [200, first.body.id, 'failed']);
  });

  test('the same key with a different spec (a name counts) is 422 idempotency_key_reused', async () => {
    const key = `key-${randomUUID()}`;
    const spec = freshSpec();
    const first = await post(spec, { key });
    for (const other of [{ ...spec, training: { ...spec.training, epochs: 2 } }, { ...spec, name: 'submit test renamed' }]) {
      const res = await post(other, { key });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'idempotency_key_reused');
      assert.match(res.body.error.message, new RegExp(first.body.id));
    }
  });

  test('concurrent requests with one new key create one experiment', async () => {
    const key = `key-${randomUUID()}`;
    const spec = freshSpec();
    const results = await Promise.all([post(spec, { key, query: '?force=true' }), post(spec, { key, query: '?force=true' })]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 201]);
    assert.equal(results[0]!.body.id, results[1]!.body.id);
  });

  test('a key of 0 or over 200 characters is 400 at /idempotency-key', async () => {
    for (const key of ['', 'k'.repeat(201)]) {
      const res = await post(freshSpec(), { key });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'invalid_request');
      assert.deepEqual(res.body.error.issues.map((i: { path: string }) => i.path), ['/idempotency-key']);
    }
    assert.equal((await post(freshSpec(), { key: 'k'.repeat(200) })).status, 201);
  });

  test('force must be a boolean', async () => {
    const res = await post(freshSpec(), { query: '?force=maybe' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error.issues.map((i: { path: string }) => i.path), ['/force']);
  });
});

describe('POST /v1/experiments: limits', () => {
  let app: FastifyInstance;
  before(async () => {
    // Limits low enough for the tiny test specs to cross them.
    app = await testApp('test-api-limits', {
      SLMLAB_MAX_PARAMS: '200000',
      SLMLAB_MAX_TRAIN_FLOPS: '1e12',
      SLMLAB_MAX_EST_MEMORY_BYTES: String(128 * 1024 ** 2),
    });
  });
  after(async () => {
    assert.equal(await app.queue.count(), 0, 'nothing refused was enqueued');
    await closeTestApp(app);
  });

  async function post(spec: object) {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: spec });
    return { status: res.statusCode, body: res.json() };
  }

  test('too many parameters: 422 limit_exceeded at /model, with the estimate and the limit', async () => {
    const spec = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 32 }, training: { epochs: 1, windowsPerEpoch: 1000 } };
    const { status, body } = await post(spec);
    assert.equal(status, 422);
    assert.deepEqual(body, {
      error: {
        code: 'limit_exceeded',
        message: '/model: estimated 2.75e5 parameters exceeds the limit 2e5',
        issues: [{ path: '/model', message: 'estimated 2.75e5 parameters exceeds the limit 2e5' }],
        limits: { params: { estimate: 274_625, limit: 200_000 } },
      },
    });
  });

  test('every exceeded limit is listed at once; nothing is stored', async () => {
    const spec = { name: `limits ${randomUUID()}`, dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 64 }, training: { epochs: 10, batchSize: 256 } };
    const resolved = parseSpec(spec);
    const { status, body } = await post(spec);
    assert.equal(status, 422);
    assert.deepEqual(body.error.issues.map((i: { path: string }) => i.path), ['/model', '/training', '']);
    assert.deepEqual(body.error.limits, {
      params: { estimate: estimateCost(resolved).params, limit: 200_000 },
      flopsTrain: { estimate: estimateCost(resolved).flopsTrain, limit: 1e12 },
      memoryBytes: { estimate: estimateMemoryBytes(resolved), limit: 128 * 1024 ** 2 },
    });
    assert.equal(await app.db.experiment.count({ where: { name: spec.name } }), 0);
  });

  test('a spec under every limit is accepted', async () => {
    const { status, body } = await post({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1, windowsPerEpoch: 1000 } });
    assert.equal(status, 201);
    await app.db.experiment.delete({ where: { id: body.id } });
    await app.queue.remove(body.id);
  });
});
