import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { estimateCost, parseSpec, specHash } from '@slmlab/core';
import { createDb } from './client.ts';
import { experimentsRepo } from './experiments.ts';

const db = createDb(process.env.DATABASE_URL!);
const repo = experimentsRepo(db);
const ids: string[] = [];
after(async () => {
  await db.experiment.deleteMany({ where: { id: { in: ids } } });
  await db.$disconnect();
});

async function newExperiment() {
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 } });
  const id = randomUUID();
  ids.push(id);
  await repo.create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
  return id;
}

const worker = { workerId: 'w', backend: 'wasm', device: 'cpu' };

test('a queued experiment is claimed once; a running one only once its heartbeat is stale (its worker died)', async () => {
  const id = await newExperiment();
  assert.equal(await repo.claim(id, worker, 60), true);
  assert.equal(await repo.claim(id, worker, 60), false, 'a live worker trains it');
  assert.equal(await repo.heartbeat(id, 'w'), true);
  assert.equal(await repo.heartbeat(id, 'another worker'), false);
  await db.experiment.update({ where: { id }, data: { heartbeatAt: new Date(Date.now() - 61_000) } });
  assert.equal(await repo.claim(id, worker, 60), true);
  const row = await repo.get(id);
  assert.equal(row?.status, 'running');
  assert.equal(row?.attempts, 2);
});

test('a failed, cancelled or finished experiment is not claimed and not changed', async () => {
  for (const end of ['failed', 'cancelled', 'succeeded'] as const) {
    const id = await newExperiment();
    await db.experiment.update({ where: { id }, data: { status: end, error: end === 'failed' ? 'could not enqueue: x' : null } });
    assert.equal(await repo.claim(id, worker, 60), false, end);
    const row = await repo.get(id);
    assert.equal(row?.status, end);
    assert.equal(row?.attempts, 0);
  }
  assert.equal(await repo.claim(randomUUID(), worker, 60), false, 'an unknown id');
});

test('recording an epoch twice keeps one point (a retried epoch replaces its point)', async () => {
  const id = await newExperiment();
  const p = { epoch: 1, step: 10, tokens: 80, seconds: 1, trainNll: 3, valNll: 2.9 };
  await repo.recordEpoch(id, p);
  await repo.recordEpoch(id, { ...p, valNll: 2.8 });
  const points = await repo.metrics(id);
  assert.equal(points.length, 1);
  assert.equal(points[0]!.valNll, 2.8);
});

test('cancelling: a queued row is cancelled at once, a running one gets a request, an ended one is left alone', async () => {
  const queued = await newExperiment();
  assert.equal(await repo.requestCancel(queued), false, 'not running');
  assert.equal(await repo.cancelQueued(queued), true);
  assert.equal((await repo.get(queued))?.status, 'cancelled');
  assert.equal(await repo.cancelQueued(queued), false, 'only once');

  const running = await newExperiment();
  await repo.claim(running, worker, 60);
  assert.equal(await repo.cancelQueued(running), false, 'claimed first: not queued any more');
  assert.equal(await repo.requestCancel(running), true);
  assert.equal(await repo.cancelRequested(running), true);
  assert.equal(await repo.claim(running, worker, 60), false, 'a crashed run with a cancel request is not revived');
  assert.equal(await repo.markCancelled(running, 'cancelled at step 3'), true);
  const row = await repo.get(running);
  assert.deepEqual([row?.status, row?.error, row?.finishedAt instanceof Date], ['cancelled', 'cancelled at step 3', true]);
});

test('a run that ended is never overwritten by a cancel, and a cancelled one never succeeds, fails or retries', async () => {
  const done = await newExperiment();
  await repo.claim(done, worker, 60);
  const result = { bestValNll: 2, bestEpoch: 1, testNll: 2, wallSeconds: 1, tokensPerSec: 1, gflops: 1, mfu: null };
  assert.equal(await repo.markSucceeded(done, result), true);
  assert.equal(await repo.requestCancel(done), false);
  assert.equal(await repo.markCancelled(done, 'late'), false);
  assert.equal((await repo.get(done))?.status, 'succeeded');

  const cancelled = await newExperiment();
  await repo.claim(cancelled, worker, 60);
  await repo.markCancelled(cancelled, 'cancelled');
  assert.equal(await repo.markSucceeded(cancelled, result), false);
  assert.equal(await repo.markFailed(cancelled, 'boom'), false);
  assert.equal(await repo.markRetrying(cancelled, 'again'), false);
  assert.equal((await repo.get(cancelled))?.status, 'cancelled');
});

test('submission keys: a live experiment is found by spec hash, a failed or cancelled one is not; keys are unique', async () => {
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { seed: 4242 } });
  const hash = specHash(spec);
  const key = `key-${randomUUID()}`;
  const id = randomUUID();
  ids.push(id);
  await repo.create(id, spec, estimateCost(spec), { specHash: hash, idempotencyKey: key, dedup: false });
  assert.equal((await repo.liveBySpecHash(hash))?.id, id);
  assert.equal((await repo.byIdempotencyKey(key))?.id, id);
  await repo.cancelQueued(id);
  assert.equal(await repo.liveBySpecHash(hash), null);
  const again = randomUUID();
  await assert.rejects(repo.create(again, spec, estimateCost(spec), { specHash: hash, idempotencyKey: key, dedup: false }), { code: 'P2002' });
});
