import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { estimateCost, parseSpec, specHash } from '@slmlab/core';
import { checkpointsRepo } from './checkpoints.ts';
import { createDb } from './client.ts';
import { experimentsRepo } from './experiments.ts';

const db = createDb(process.env.DATABASE_URL!);
const checkpoints = checkpointsRepo(db);
const ids: string[] = [];
after(async () => {
  await db.experiment.deleteMany({ where: { id: { in: ids } } });
  await db.$disconnect();
});

async function newExperiment() {
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 } });
  const id = randomUUID();
  ids.push(id);
  await experimentsRepo(db).create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
  return id;
}

const ckpt = (experimentId: string, tag: string, step: number) => ({
  experimentId,
  tag,
  epoch: 1,
  step,
  format: 'slmlab-state-v1',
  data: new Uint8Array([step, 1, 2, 3]),
});

test('replace keeps one checkpoint per tag (the newest) and leaves other tags and experiments alone', async () => {
  const [a, b] = [await newExperiment(), await newExperiment()];
  await checkpoints.save(ckpt(a, 'best', 9));
  await checkpoints.replace(ckpt(b, 'latest', 7));
  for (const step of [1, 2, 3]) await checkpoints.replace(ckpt(a, 'latest', step));
  const list = await checkpoints.list(a);
  assert.deepEqual(list.map((c) => [c.tag, c.step]).sort(), [['best', 9], ['latest', 3]]);
  const latest = await checkpoints.latest(a, 'latest');
  assert.equal(latest?.step, 3);
  assert.deepEqual([...latest!.data], [3, 1, 2, 3]);
  assert.equal((await checkpoints.latest(b, 'latest'))?.step, 7);
  assert.equal(await checkpoints.latest(a, 'missing'), null);
});
