import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { estimateCost, parseSpec } from '@slmlab/core';
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
  await repo.create(id, spec, estimateCost(spec));
  return id;
}

const worker = { workerId: 'w', backend: 'wasm', device: 'cpu' };

test('a queued experiment is claimed once per attempt; a crashed running one can be claimed again', async () => {
  const id = await newExperiment();
  assert.equal(await repo.claim(id, worker), true);
  assert.equal(await repo.claim(id, worker), true);
  const row = await repo.get(id);
  assert.equal(row?.status, 'running');
  assert.equal(row?.attempts, 2);
});

test('a failed, cancelled or finished experiment is not claimed and not changed', async () => {
  for (const end of ['failed', 'cancelled', 'succeeded'] as const) {
    const id = await newExperiment();
    await db.experiment.update({ where: { id }, data: { status: end, error: end === 'failed' ? 'could not enqueue: x' : null } });
    assert.equal(await repo.claim(id, worker), false, end);
    const row = await repo.get(id);
    assert.equal(row?.status, end);
    assert.equal(row?.attempts, 0);
  }
  assert.equal(await repo.claim(randomUUID(), worker), false, 'an unknown id');
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
