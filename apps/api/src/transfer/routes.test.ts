// Export and import over HTTP between two deployments: A (this file's database, the shared Redis) and B (a
// database of its own, another Redis db and queue prefix), both real. Export → import gives B the experiment as
// A has it; a taken id, a spec B already runs, a damaged file, a wrong media type, a refused write and a queue
// that is down are each refused with their own answer, and leave B as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  decodeBundle,
  encodeBundle,
  estimateCost,
  parseSpec,
  specHash,
  STATE_CHECKPOINT_FORMAT,
  WEIGHTS_CHECKPOINT_FORMAT,
  type ExperimentSpec,
} from '@slmlab/core';
import { checkpointsRepo, experimentsRepo, tokensRepo } from '@slmlab/db';
import { fakeCheckpoint, testBundle } from '../../../../packages/core/src/bundle/testing.ts';
import { privateDatabase, type PrivateDatabase } from '../../../../test/helpers/db.ts';
import { createToken, type TokenScope } from '../auth/tokens.ts';
import { closeTestApp, closedPort, testApp } from '../testing.ts';

const SPEC = parseSpec({
  name: 'transfer routes',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 3, windowsPerEpoch: 640, evalWindows: 100 },
});
const OCTETS = { 'content-type': 'application/octet-stream' };
/** Over BODY_LIMIT_BYTES (1 MiB): the import's own limit is what lets it in. */
const BIG_WEIGHTS = 1_200_000;

let a: FastifyInstance;
let b: FastifyInstance;
let databaseB: PrivateDatabase;

/** A database name of this test run's own (the template's name + a suffix), so parallel runs do not share B. */
function privateName(suffix: string): string {
  const template = new URL(process.env.SLMLAB_TEST_TEMPLATE_DATABASE_URL ?? process.env.DATABASE_URL!).pathname.slice(1);
  return `${template}_${suffix}`.slice(0, 63);
}

before(async () => {
  a = await testApp('transfer-a');
  databaseB = await privateDatabase(privateName('transfer_b'));
  b = await testApp('transfer-b', { DATABASE_URL: databaseB.url, REDIS_URL: 'redis://127.0.0.1:6379/5' });
});

after(async () => {
  await closeTestApp(b);
  await closeTestApp(a);
  await databaseB.drop();
});

/** An experiment in A that ran: one epoch and a state; succeeded (two epochs, best weights) or cancelled. */
async function seed(status: 'succeeded' | 'cancelled', spec: ExperimentSpec = SPEC): Promise<string> {
  const repo = experimentsRepo(a.db);
  const checkpoints = checkpointsRepo(a.db);
  const id = randomUUID();
  const state = (step: number) => fakeCheckpoint(STATE_CHECKPOINT_FORMAT, { specHash: specHash(spec), counters: { step } }, 2048);
  await repo.create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
  await repo.claim(id, { workerId: 'worker-a', backend: 'wasm', device: 'cpu (wasm, simd, 1 thread)' }, 60);
  await repo.recordEpoch(id, { epoch: 1, step: 10, tokens: 10240, seconds: 1.5, trainNll: 3.1, valNll: 3.0 });
  await checkpoints.replace({ experimentId: id, tag: 'latest', epoch: 1, step: 10, format: STATE_CHECKPOINT_FORMAT, data: state(10) });
  if (status === 'cancelled') {
    await repo.requestCancel(id);
    await repo.markCancelled(id, 'cancelled on request while running');
    return id;
  }
  await repo.recordEpoch(id, { epoch: 2, step: 20, tokens: 20480, seconds: 3.1, trainNll: 2.9, valNll: 2.8 });
  await checkpoints.replace({ experimentId: id, tag: 'latest', epoch: 2, step: 20, format: STATE_CHECKPOINT_FORMAT, data: state(20) });
  await checkpoints.replace({ experimentId: id, tag: 'best', epoch: 2, step: 20, format: WEIGHTS_CHECKPOINT_FORMAT, data: fakeCheckpoint(WEIGHTS_CHECKPOINT_FORMAT, { spec }, BIG_WEIGHTS) });
  await repo.markSucceeded(id, { bestValNll: 2.8, bestEpoch: 2, testNll: 2.85, wallSeconds: 3.5, tokensPerSec: 6000, gflops: 1.2, mfu: 0.04 });
  return id;
}

async function exportFrom(app: FastifyInstance, id: string): Promise<Buffer> {
  const res = await app.inject({ url: `/v1/experiments/${id}/export` });
  assert.equal(res.statusCode, 200, res.body);
  return res.rawPayload;
}

const importInto = (app: FastifyInstance, bytes: Uint8Array, query = '', headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/v1/experiments/import${query}`, payload: Buffer.from(bytes), headers: { ...OCTETS, ...headers } });

/** Every row B holds: what a refused import must leave as it was. */
async function rowsOf(app: FastifyInstance) {
  const [experiments, points, checkpoints] = await Promise.all([app.db.experiment.count(), app.db.metricPoint.count(), app.db.checkpoint.count()]);
  return { experiments, points, checkpoints };
}

/** The detail a client reads, without what is the database's own (checkpoint ids and their creation order). */
async function detail(app: FastifyInstance, id: string) {
  const res = await app.inject({ url: `/v1/experiments/${id}` });
  assert.equal(res.statusCode, 200, res.body);
  const { checkpoints, ...rest } = res.json();
  return { ...rest, checkpoints: checkpoints.map(({ id: _id, ...c }: { id: string }) => c) };
}

async function checkpointBytes(app: FastifyInstance, id: string): Promise<Map<string, Buffer>> {
  const list = (await app.inject({ url: `/v1/experiments/${id}/checkpoints` })).json().items as { id: string; tag: string }[];
  const out = new Map<string, Buffer>();
  for (const c of list) out.set(c.tag, (await app.inject({ url: `/v1/experiments/${id}/checkpoints/${c.id}` })).rawPayload);
  return out;
}

describe('export', () => {
  test('one file with the experiment, every curve point and every checkpoint; content-disposition names it', async () => {
    const id = await seed('succeeded');
    const res = await a.inject({ url: `/v1/experiments/${id}/export` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['content-disposition'], `attachment; filename="${id}.slmlab-bundle"`);
    assert.equal(res.headers['x-slmlab-bundle-version'], '1');
    const bundle = decodeBundle(res.rawPayload);
    assert.equal(bundle.experiment.id, id);
    assert.equal(bundle.experiment.status, 'succeeded');
    assert.deepEqual(bundle.experiment.spec, SPEC);
    assert.equal(bundle.experiment.result.testNll, 2.85);
    assert.deepEqual(bundle.curve.map((p) => [p.kind, p.epoch, p.step]), [['epoch', 1, 10], ['epoch', 2, 20]]);
    assert.deepEqual(bundle.checkpoints.map((c) => [c.tag, c.format, c.step]), [['latest', STATE_CHECKPOINT_FORMAT, 20], ['best', WEIGHTS_CHECKPOINT_FORMAT, 20]]);
    const saved = await checkpointBytes(a, id);
    for (const c of bundle.checkpoints) assert.ok(Buffer.from(c.data).equals(saved.get(c.tag)!), `${c.tag} byte for byte`);
    assert.match(bundle.source.deploymentId, /:transfer-a-\d+$/, 'host:database:prefix by default');
    assert.ok(Date.now() - Date.parse(bundle.source.exportedAt) < 60_000);
  });

  test('an unknown experiment is 404, a malformed id 400', async () => {
    assert.equal((await a.inject({ url: `/v1/experiments/${randomUUID()}/export` })).statusCode, 404);
    const bad = await a.inject({ url: '/v1/experiments/nope/export' });
    assert.deepEqual([bad.statusCode, bad.json().error.issues[0].path], [400, '/id']);
  });
});

describe('import into another deployment', () => {
  test('a succeeded experiment comes in as it was, read-only: same record, curve and checkpoints, no job', async () => {
    const id = await seed('succeeded');
    const bytes = await exportFrom(a, id);
    assert.ok(bytes.byteLength > 1024 * 1024, 'bigger than BODY_LIMIT_BYTES: the import has a limit of its own');
    const res = await importInto(b, bytes);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, `/v1/experiments/${id}`);
    const body = res.json();
    assert.deepEqual([body.resumes, body.resumeFrom, body.stored], [false, null, { metricPoints: 2, checkpoints: 2 }]);
    assert.match(body.source.deploymentId, /transfer-a/);
    assert.deepEqual(await detail(b, id), await detail(a, id));
    assert.deepEqual(await checkpointBytes(b, id), await checkpointBytes(a, id));
    assert.equal(await b.queue.getJob(id), undefined, 'nothing to train');
  });

  test('a cancelled experiment with a training state comes in queued, its run afresh, its job enqueued', async () => {
    const spec = parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 1 } });
    const id = await seed('cancelled', spec);
    const res = await importInto(b, await exportFrom(a, id));
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual([body.resumes, body.resumeFrom], [true, { tag: 'latest', epoch: 1, step: 10 }]);
    assert.equal(body.experiment.status, 'queued');
    const row = await b.db.experiment.findUniqueOrThrow({ where: { id } });
    assert.deepEqual(
      [row.status, row.attempts, row.workerId, row.backend, row.heartbeatAt, row.startedAt, row.finishedAt, row.cancelRequestedAt, row.error, row.dedupHash],
      ['queued', 0, null, null, null, null, null, null, null, specHash(spec)],
    );
    const source = await a.db.experiment.findUniqueOrThrow({ where: { id } });
    assert.equal(row.createdAt.getTime(), source.createdAt.getTime());
    assert.deepEqual((await detail(b, id)).metrics, (await detail(a, id)).metrics);
    assert.deepEqual(await checkpointBytes(b, id), await checkpointBytes(a, id));
    const job = await b.queue.getJob(id);
    assert.equal(await job?.getState(), 'waiting');
    assert.deepEqual(job!.data, { experimentId: id, spec });
    assert.equal(job!.opts.attempts, 3);
  });

  test('the same bundle again: 409 already_exists naming the experiment; nothing changes', async () => {
    const id = await seed('succeeded', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 2 } }));
    const bytes = await exportFrom(a, id);
    assert.equal((await importInto(b, bytes)).statusCode, 201);
    const before = await rowsOf(b);
    const res = await importInto(b, bytes);
    assert.equal(res.statusCode, 409);
    const { error } = res.json();
    assert.deepEqual([error.code, error.experimentId], ['already_exists', id]);
    assert.match(error.message, /already exists here .*nothing was imported/);
    assert.deepEqual(await rowsOf(b), before);
  });

  test('a spec that runs here already: 409 duplicate_spec naming that experiment; ?force=true imports it anyway', async () => {
    const spec = parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 3 } });
    const [first, second] = [await seed('cancelled', spec), await seed('cancelled', spec)];
    assert.equal((await importInto(b, await exportFrom(a, first))).statusCode, 201);
    const before = await rowsOf(b);
    const bytes = await exportFrom(a, second);
    const res = await importInto(b, bytes);
    assert.equal(res.statusCode, 409, res.body);
    const { error } = res.json();
    assert.deepEqual([error.code, error.experimentId, error.status], ['duplicate_spec', first, 'queued']);
    assert.match(error.message, /same spec and is queued; nothing was imported.*\?force=true/);
    assert.deepEqual(await rowsOf(b), before);
    assert.equal(await b.queue.getJob(second), undefined);
    const forced = await importInto(b, bytes, '?force=true');
    assert.equal(forced.statusCode, 201, forced.body);
    assert.equal((await b.db.experiment.findUniqueOrThrow({ where: { id: second } })).dedupHash, null, 'a forced one stays out of deduplication');
  });

  test('a damaged or foreign file: 400 invalid_bundle with the path of what is wrong; nothing stored', async () => {
    const good = await exportFrom(a, await seed('cancelled', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 4 } })));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 0x01;
    const badSpec = testBundle();
    const withNul = testBundle({ spec: { ...SPEC, name: 'a\u0000b' } });
    const cases: [string, Uint8Array, string, RegExp][] = [
      ['empty', Buffer.alloc(0), '/magic', /empty/],
      ['a zip file', Buffer.from('PK\u0003\u0004 not a bundle'), '/magic', /not an experiment bundle/],
      ['truncated', good.subarray(0, good.length - 10), '/header/checkpoints/0/bytes', /truncated/],
      ['a flipped byte', flipped, '/header/checkpoints/0/sha256', /hash mismatch/],
      ['a bad spec', encodeBundle({ ...badSpec, experiment: { ...badSpec.experiment, spec: { ...SPEC, training: { ...SPEC.training, epochs: 0 } } } }), '/header/experiment/spec/training/epochs', /must be >= 1/],
      ['a NUL in the name', encodeBundle(withNul), '/header/experiment/spec/name', /NUL/],
    ];
    const before = await rowsOf(b);
    for (const [what, bytes, path, message] of cases) {
      const res = await importInto(b, bytes);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      const { error } = res.json();
      assert.equal(error.code, 'invalid_bundle', what);
      assert.ok(error.issues.some((i: { path: string; message: string }) => i.path === path && message.test(i.message)), `${what}: ${JSON.stringify(error.issues)}`);
    }
    assert.deepEqual(await rowsOf(b), before);
  });

  test('not a bundle by media type: 415 before the body is read; the import limit is its own', async () => {
    const json = await b.inject({ method: 'POST', url: '/v1/experiments/import', payload: { dataset: 'tinyshakespeare' } });
    assert.equal(json.statusCode, 415);
    assert.equal(json.json().error.code, 'unsupported_media_type');
    assert.match(json.json().error.message, /send it as application\/octet-stream, not with content-type application\/json/);
    // Other routes keep BODY_LIMIT_BYTES: 2 MiB of JSON is still 413 there.
    const big = await b.inject({ method: 'POST', url: '/v1/experiments', payload: { dataset: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal(big.statusCode, 413);
    // And the import's own limit holds: SLMLAB_MAX_IMPORT_BYTES below the bundle's size is 413, nothing stored.
    const small = await testApp('transfer-small', { DATABASE_URL: databaseB.url, REDIS_URL: 'redis://127.0.0.1:6379/5', SLMLAB_MAX_IMPORT_BYTES: '1000' });
    try {
      const before = await rowsOf(small);
      const bytes = encodeBundle(testBundle({ id: randomUUID() }));
      assert.ok(bytes.byteLength > 1000);
      const res = await importInto(small, bytes);
      assert.deepEqual([res.statusCode, res.json().error.code], [413, 'body_too_large']);
      assert.deepEqual(await rowsOf(small), before);
    } finally {
      await closeTestApp(small);
    }
  });
});

describe('an import that fails changes nothing', () => {
  test('a write PostgreSQL refuses midway (the checkpoints): no experiment, no curve', async () => {
    const id = await seed('cancelled', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 5 } }));
    const bytes = await exportFrom(a, id);
    await b.db.$executeRawUnsafe(`CREATE FUNCTION refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await b.db.$executeRawUnsafe(`CREATE TRIGGER refuse_checkpoint BEFORE INSERT ON "Checkpoint" FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint()`);
    try {
      const before = await rowsOf(b);
      const res = await importInto(b, bytes);
      assert.equal(res.statusCode, 500, res.body);
      assert.deepEqual(await rowsOf(b), before);
      assert.equal(await b.queue.getJob(id), undefined);
    } finally {
      await b.db.$executeRawUnsafe('DROP TRIGGER refuse_checkpoint ON "Checkpoint"');
      await b.db.$executeRawUnsafe('DROP FUNCTION refuse_checkpoint()');
    }
    assert.equal((await importInto(b, bytes)).statusCode, 201, 'the same bundle goes in once the database takes it');
  });

  test('the queue down: an experiment that would train is 503 before anything is stored; an ended one goes in', async () => {
    const offline = await testApp('transfer-offline', { DATABASE_URL: databaseB.url, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const before = await rowsOf(offline);
      const live = await importInto(offline, await exportFrom(a, await seed('cancelled', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 6 } }))));
      assert.equal(live.statusCode, 503, live.body);
      assert.match(live.json().error.message, /nothing was imported, retry later/);
      assert.deepEqual(await rowsOf(offline), before);
      const ended = await importInto(offline, await exportFrom(a, await seed('succeeded', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 7 } }))));
      assert.equal(ended.statusCode, 201, ended.body);
    } finally {
      await offline.close();
    }
  });
});

describe('auth: an export holds weights, an import writes', () => {
  let secured: FastifyInstance;
  let opened: FastifyInstance;
  let id = '';
  const mint = async (app: FastifyInstance, scopes: TokenScope[]) =>
    (await createToken(tokensRepo(app.db), { name: `transfer-${scopes.join('+')}-${randomUUID()}`, scopes, expiresAt: null })).token;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    // A's database, auth on with open reads; and the same with SLMLAB_AUTH_OPEN_CHECKPOINTS=true.
    secured = await testApp('transfer-auth', { SLMLAB_AUTH: 'on' });
    opened = await testApp('transfer-auth-open', { SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_CHECKPOINTS: 'true' });
    id = await seed('succeeded', parseSpec({ ...SPEC, training: { ...SPEC.training, seed: 8 } }));
  });
  after(async () => {
    await closeTestApp(secured);
    await closeTestApp(opened);
  });

  test('export: a token even with open reads (as a checkpoint download), unless SLMLAB_AUTH_OPEN_CHECKPOINTS', async () => {
    const url = `/v1/experiments/${id}/export`;
    const anonymous = await secured.inject({ url });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'unauthorized');
    assert.equal((await secured.inject({ url: `/v1/experiments/${id}` })).statusCode, 200, 'the experiment itself is an open read');
    assert.equal((await secured.inject({ url, headers: bearer(await mint(secured, ['read'])) })).statusCode, 200);
    assert.equal((await opened.inject({ url })).statusCode, 200);
  });

  test('import: no token 401, a read token 403, a write token 201', async () => {
    const bytes = await exportFrom(opened, id);
    await a.db.experiment.delete({ where: { id } }); // import it back where it came from
    assert.equal((await importInto(secured, bytes)).statusCode, 401);
    assert.equal((await importInto(secured, bytes, '', bearer(await mint(secured, ['read'])))).statusCode, 403);
    assert.equal(await a.db.experiment.count({ where: { id } }), 0);
    const res = await importInto(secured, bytes, '', bearer(await mint(secured, ['write'])));
    assert.equal(res.statusCode, 201, res.body);
  });
});
