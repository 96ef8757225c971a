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

test('a checkpoint write that takes longer than Prisma\'s 5 s transaction default is stored, not expired', async () => {
  // Another connection holds the experiment's checkpoint rows for 6 s (as a slow disk or a busy machine holds
  // up a write of 144 MB): replace's delete waits for it inside the transaction.
  const id = await newExperiment();
  await checkpoints.replace(ckpt(id, 'latest', 1));
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT id FROM "Checkpoint" WHERE "experimentId" = $1 FOR UPDATE', [id]);
    const released = new Promise((resolve) => setTimeout(resolve, 6000)).then(() => client.query('COMMIT'));
    const started = Date.now();
    await checkpoints.replace(ckpt(id, 'latest', 2));
    assert.ok(Date.now() - started >= 5500, 'the write waited for the lock');
    await released;
  } finally {
    await client.end();
  }
  const list = await checkpoints.list(id);
  assert.deepEqual(list.map((c) => c.step), [2]);
});
