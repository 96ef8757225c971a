// Property-based fuzzing of the edge: random JSON and random mutations of valid specs are POSTed to the API
// (never a 5xx, every 4xx says where and why), and random job payloads are fed straight into the queue of a
// real worker process (it drops them without crashing and still trains the next valid job).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { TRAIN_JOB } from '@slmlab/core';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { startProcess, stop, waitFor } from './helpers/stack.ts';

let app: FastifyInstance;
const runs = Number(process.env.FUZZ_RUNS ?? 300);

before(async () => {
  // Limits low enough that some random specs hit them: 422 is one of the answers to exercise.
  app = await testApp('fuzz', { SLMLAB_MAX_PARAMS: '2000000' });
});

after(async () => {
  await app.db.experiment.deleteMany({ where: { name: { startsWith: 'fuzz' } } });
  await closeTestApp(app);
});

const VALID = { name: 'fuzz', dataset: 'tinyshakespeare', model: { kind: 'transformer', layers: 2 }, training: { epochs: 1 } };

/** A valid spec with one field replaced by an arbitrary value (or an arbitrary extra field). */
const mutatedSpec = fc
  .tuple(
    fc.constantFrom('dataset', 'model', 'model.kind', 'model.heads', 'model.dModel', 'model.contextLength', 'model.positions',
      'model.block', 'model.dropout', 'training', 'training.epochs', 'training.learningRate', 'training.batchSize',
      'training.objective', 'training.seed', 'training.trainTokens', 'specVersion', 'name', 'extra', 'model.extra'),
    // Arbitrary JSON, and values of the right type that may or may not be in range.
    fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: -2, max: 600 }), fc.double({ min: -1, max: 2, noNaN: true }), fc.constantFrom('rope', 'pre-ln', 'all-tokens', 'ptb', 'linear', 'mlp')),
  )
  .map(([path, value]) => {
    const spec = structuredClone(VALID) as Record<string, any>;
    const keys = path.split('.');
    const parent = keys.length === 2 ? spec[keys[0]!] : spec;
    parent[keys.at(-1)!] = value;
    return spec;
  });

async function post(payload: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/experiments?force=true',
    headers: { 'content-type': 'application/json' },
    payload,
  });
  return { status: res.statusCode, body: res.json() };
}

function checkAnswer({ status, body }: { status: number; body: any }) {
  assert.ok(status < 500, `server error ${status}: ${JSON.stringify(body)}`);
  if (status >= 400) {
    assert.equal(typeof body.error?.code, 'string');
    assert.ok(body.error.message.length > 0);
  }
  if (status === 400 && body.error.code === 'invalid_spec') {
    assert.ok(body.error.issues.length > 0 && body.error.issues.every((i: any) => typeof i.path === 'string' && i.message));
  }
}

test('arbitrary JSON bodies never get a 5xx', async () => {
  await fc.assert(fc.asyncProperty(fc.jsonValue(), async (v) => checkAnswer(await post(JSON.stringify(v)))), { numRuns: runs });
});

test('valid specs with one field mutated get 201, 200, 400 with a path, or 422 — never a 5xx', async () => {
  const seen = new Set<number>();
  await fc.assert(
    fc.asyncProperty(mutatedSpec, async (spec) => {
      const answer = await post(JSON.stringify(spec));
      seen.add(answer.status);
      checkAnswer(answer);
    }),
    { numRuns: runs },
  );
  assert.ok(seen.has(400) && (seen.has(201) || seen.has(200)), `answers seen: ${[...seen]}`);
});

test('a real worker fed arbitrary job payloads drops them, stays up and trains the next valid job', async () => {
  const workerApp = await testApp('fuzz-worker'); // its queue prefix is `fuzz-worker-<pid>`
  const queue = workerApp.queue;
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { SLMLAB_QUEUE_PREFIX: `fuzz-worker-${process.pid}`, LOG_LEVEL: 'info' });
  try {
    const payloads = fc.sample(fc.oneof(fc.jsonValue(), fc.record({ experimentId: fc.uuid(), spec: fc.jsonValue() })), 40);
    const jobs = await Promise.all(payloads.map((data, i) => queue.add(TRAIN_JOB, data as never, { jobId: `garbage-${i}`, attempts: 1 })));
    await waitFor('every garbage job to fail', async () => {
      const states = await Promise.all(jobs.map((j) => j.getState()));
      return states.every((s) => s === 'failed') ? true : undefined;
    }, 60_000, [worker]);
    assert.equal(worker.child.exitCode, null, 'the worker is still running');
    // And it still does real work: a valid experiment submitted through an API on the same queue trains.
    const res = await workerApp.inject({
      method: 'POST',
      url: '/v1/experiments?force=true',
      payload: { name: 'fuzz: after garbage', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { epochs: 1, windowsPerEpoch: 500, evalWindows: 200 } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const done = await waitFor('the valid job to finish', async () => {
      const e = (await workerApp.inject({ url: `/v1/experiments/${res.json().id}` })).json();
      return ['succeeded', 'failed'].includes(e.status) ? e : undefined;
    }, 60_000, [worker]);
    assert.equal(done.status, 'succeeded', done.error);
  } finally {
    assert.equal(await stop(worker), 0);
    await closeTestApp(workerApp);
  }
});
