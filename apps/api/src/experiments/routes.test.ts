import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { estimateCost, parseSpec } from '@slmlab/core';
import { checkpointsRepo, experimentsRepo } from '@slmlab/db';
import { closeTestApp, testApp } from '../testing.ts';

const SPEC = { name: 'api test', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 2 } };

describe('experiments API', () => {
  let app: FastifyInstance;
  const created: string[] = [];

  before(async () => {
    app = await testApp('test-api-experiments');
  });

  after(async () => {
    await app.db.experiment.deleteMany({ where: { id: { in: created } } });
    await closeTestApp(app);
  });

  // force: these tests submit the same spec many times and each needs a new experiment (idempotency has its own file).
  async function submit(spec: object = SPEC) {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: spec });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    created.push(body.id);
    return { res, body };
  }

  describe('POST /v1/experiments', () => {
    test('stores the experiment, enqueues its job and answers 201 with Location', async () => {
      const { res, body } = await submit();
      const resolved = parseSpec(SPEC);
      assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(res.headers['location'], `/v1/experiments/${body.id}`);
      assert.equal(body.status, 'queued');
      assert.equal(body.name, 'api test');
      assert.deepEqual(body.spec, resolved);
      assert.equal(body.spec.training.windowsPerEpoch, 50_000, 'defaults are filled');
      const cost = estimateCost(resolved);
      assert.deepEqual(body.cost, { params: 141_505, flopsStudy: 2 * 141_505 * 50_000 * 16 * 2, flopsTrain: cost.flopsTrain });
      assert.deepEqual([body.result, body.worker, body.error, body.attempts], [null, null, null, 0]);

      const row = await app.db.experiment.findUniqueOrThrow({ where: { id: body.id } });
      assert.equal(row.status, 'queued');
      assert.equal(row.paramCount, 141_505);
      assert.deepEqual(row.spec, resolved);

      const job = await app.queue.getJob(body.id);
      assert.ok(job, 'a job whose id is the experiment id');
      assert.equal(job.name, 'train');
      assert.deepEqual(job.data, { experimentId: body.id, spec: resolved });
      assert.equal(job.opts.attempts, 3);
      assert.deepEqual(job.opts.backoff, { type: 'exponential', delay: 5000 });
      assert.equal(await job.getState(), 'waiting');
    });
  });

  test("a study preset (Table D's RoPE row) is accepted, resolved and priced exactly", async () => {
    const preset = JSON.parse(await readFile(new URL('../../../../experiments/paper/table-d/rope.json', import.meta.url), 'utf8'));
    const { body } = await submit(preset);
    assert.equal(body.cost.params, 414_401);
    assert.deepEqual(body.spec, parseSpec(preset));
    assert.equal(body.spec.model.attnDropout, 0);
  });

  describe('GET /v1/experiments/:id', () => {
    test('shows the curve by step, the checkpoints and the result once a worker reported them', async () => {
      const { body } = await submit();
      const experiments = experimentsRepo(app.db);
      assert.ok(await experiments.claim(body.id, { workerId: 'w1', backend: 'wasm', device: 'cpu' }, 60));
      // Written out of order: the view orders by step.
      await experiments.recordEpoch(body.id, { epoch: 2, step: 200, tokens: 3200, seconds: 4, trainNll: 2.1, valNll: 2.2 });
      await experiments.recordEpoch(body.id, { epoch: 1, step: 100, tokens: 1600, seconds: 2, trainNll: 2.5, valNll: 2.6 });
      const saved = await checkpointsRepo(app.db).save({
        experimentId: body.id, tag: 'best', epoch: 2, step: 200, format: 'slmlab-weights-v1', data: new Uint8Array([1, 2, 3]),
      });
      await experiments.markSucceeded(body.id, { bestValNll: 2.2, bestEpoch: 2, testNll: 2.25, wallSeconds: 6, tokensPerSec: 800, gflops: 1.5, mfu: 0.25 });

      const res = await app.inject({ url: `/v1/experiments/${body.id}` });
      assert.equal(res.statusCode, 200);
      const e = res.json();
      assert.equal(e.status, 'succeeded');
      assert.equal(e.attempts, 1);
      assert.ok(Date.parse(e.startedAt) <= Date.parse(e.finishedAt));
      assert.deepEqual(e.metrics, [
        { epoch: 1, step: 100, tokens: 1600, seconds: 2, trainNll: 2.5, valNll: 2.6, valNllAllTokens: null },
        { epoch: 2, step: 200, tokens: 3200, seconds: 4, trainNll: 2.1, valNll: 2.2, valNllAllTokens: null },
      ]);
      assert.deepEqual(e.checkpoints, [
        { id: saved.id, tag: 'best', epoch: 2, step: 200, format: 'slmlab-weights-v1', sizeBytes: 3, createdAt: saved.createdAt.toISOString() },
      ]);
      assert.deepEqual(e.worker, { workerId: 'w1', backend: 'wasm', device: 'cpu' });
      assert.deepEqual(e.result, {
        bestValNll: 2.2, bestEpoch: 2, testNll: 2.25, testNllAllTokens: null,
        backend: 'wasm', device: 'cpu', workerId: 'w1', wallSeconds: 6, tokensPerSec: 800, gflops: 1.5, mfu: 0.25,
      });
      assert.equal(e.error, null);
    });

    test('a fresh experiment has an empty curve and no result', async () => {
      const { body } = await submit();
      const e = (await app.inject({ url: `/v1/experiments/${body.id}` })).json();
      assert.deepEqual([e.id, e.metrics, e.checkpoints, e.result, e.startedAt], [body.id, [], [], null, null]);
    });

    test('an unknown id is 404', async () => {
      const id = '6f1c2b0e-0d2a-4c1e-9a57-0b8f3c1d2e4f';
      const res = await app.inject({ url: `/v1/experiments/${id}` });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { error: { code: 'not_found', message: `experiment ${id} not found` } });
    });

    test('an id that is not a uuid is 400 with its path', async () => {
      const res = await app.inject({ url: '/v1/experiments/not-a-uuid' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), {
        error: {
          code: 'invalid_request',
          message: 'invalid params: /id: must match format "uuid"',
          issues: [{ path: '/id', message: 'must match format "uuid"' }],
        },
      });
    });
  });

  describe('GET /v1/experiments', () => {
    // Five experiments dated in the future, so that they are the newest rows whatever else the test database
    // holds. B and C share a timestamp and straddle a page boundary: the id tie-break must hold.
    const ids = { A: '', B: '', C: '', D: '', E: '' };

    before(async () => {
      const base = Date.UTC(2100, 0, 1);
      const offsets = { A: 3, B: 2, C: 2, D: 1, E: 0 };
      for (const [key, offset] of Object.entries(offsets) as [keyof typeof ids, number][]) {
        const { body } = await submit({ ...SPEC, name: `page ${key}` });
        ids[key] = body.id;
        await app.db.experiment.update({ where: { id: body.id }, data: { createdAt: new Date(base + offset * 1000) } });
      }
    });

    async function page(query: string) {
      const res = await app.inject({ url: `/v1/experiments?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { items: { id: string; status: string; metrics?: unknown }[]; nextCursor: string | null };
    }

    test('pages newest first, following nextCursor', async () => {
      const [B, C] = [ids.B, ids.C].sort().reverse(); // same createdAt: the larger id comes first
      const first = await page('limit=2');
      assert.deepEqual(first.items.map((i) => i.id), [ids.A, B]);
      assert.equal(first.items[0]!.metrics, undefined, 'list items carry no curve');
      assert.ok(first.nextCursor);
      const second = await page(`limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(second.items.map((i) => i.id), [C, ids.D]);
      const third = await page(`limit=2&cursor=${second.nextCursor}`);
      assert.equal(third.items[0]!.id, ids.E);
    });

    test('status filters, and a page that holds the last row has no next cursor', async () => {
      await app.db.experiment.update({ where: { id: ids.D }, data: { status: 'cancelled' } });
      const cancelled = await app.db.experiment.count({ where: { status: 'cancelled' } });
      const all = await page(`status=cancelled&limit=${cancelled}`);
      assert.equal(all.items.length, cancelled);
      assert.equal(all.items[0]!.id, ids.D);
      assert.ok(all.items.every((i) => i.status === 'cancelled'));
      assert.equal(all.nextCursor, null, 'a full page with nothing after it');
    });

    test('limit defaults to 20 and is bounded', async () => {
      const missing = 21 - (await app.db.experiment.count());
      for (let i = 0; i < missing; i++) await submit();
      assert.equal((await page('')).items.length, 20);
      for (const [limit, message] of [['0', 'must be >= 1'], ['101', 'must be <= 100'], ['ten', 'must be integer']]) {
        const res = await app.inject({ url: `/v1/experiments?limit=${limit}` });
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json().error.issues, [{ path: '/limit', message }]);
      }
    });

    test('an unknown status or query parameter is 400 with its path', async () => {
      for (const [query, path] of [['status=done', '/status'], ['sort=asc', '/sort']]) {
        const res = await app.inject({ url: `/v1/experiments?${query}` });
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json().error.issues.map((i: { path: string }) => i.path), [path]);
      }
    });

    test('a cursor this API did not make is 400 at /cursor', async () => {
      for (const cursor of ['zzz', Buffer.from('{"createdAt":"yesterday","id":"x"}').toString('base64url')]) {
        const res = await app.inject({ url: `/v1/experiments?cursor=${cursor}` });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'invalid_request');
        assert.deepEqual(res.json().error.issues.map((i: { path: string }) => i.path), ['/cursor']);
      }
    });
  });
});
