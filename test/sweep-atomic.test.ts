// A sweep is created whole or not at all: when storing it fails after its cells were planned, no experiment of it
// exists and no job was enqueued. The failure is real: a PostgreSQL trigger on a database of this test's own
// refuses the sweep's row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { privateDatabase, type PrivateDatabase } from './helpers/db.ts';

let database: PrivateDatabase;
let app: FastifyInstance;

before(async () => {
  database = await privateDatabase('slmlab_test_sweep_atomic');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`
    CREATE FUNCTION refuse_sweep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure: sweep % refused', NEW."name"; END $$;
    CREATE TRIGGER refuse_sweep BEFORE INSERT ON "Sweep" FOR EACH ROW WHEN (NEW."name" = 'refused') EXECUTE FUNCTION refuse_sweep();`);
  await client.end();
  app = await testApp('test-sweep-atomic', { DATABASE_URL: database.url });
});

after(async () => {
  await closeTestApp(app);
  await database.drop();
});

const sweep = (name: string) => ({
  name,
  base: { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 1 } },
  axes: { 'model.contextLength': [8, 16] },
  seeds: [1, 2],
});

test('a sweep whose row cannot be stored leaves no experiment and no job behind', async () => {
  const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: sweep('refused') });
  assert.equal(res.statusCode, 500, res.body);
  assert.equal(await app.db.experiment.count(), 0, 'no cell experiment was stored');
  assert.equal(await app.db.sweep.count(), 0);
  assert.equal(await app.queue.count(), 0, 'no job was enqueued');

  const ok = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: sweep('stored') });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(await app.db.experiment.count(), 4);
  assert.equal(await app.queue.count(), 4, 'each new cell enqueued once its sweep was stored');
});
