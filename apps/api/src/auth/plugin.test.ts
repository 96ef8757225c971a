// Bearer tokens over HTTP (SLMLAB_AUTH=on), against the real database and Redis.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { checkpointsRepo, tokensRepo } from '@slmlab/db';
import { createToken, hashToken, type TokenScope } from './tokens.ts';
import { closeTestApp, testApp } from '../testing.ts';

const NAME = `auth-test-${process.pid}`;
const SPEC = { name: NAME, dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 }, training: { epochs: 1 } };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('auth on, open reads (the default)', () => {
  let app: FastifyInstance;
  const experiments: string[] = [];
  const mint = async (scopes: TokenScope[], expiresAt?: Date) =>
    (await createToken(tokensRepo(app.db), { name: `${NAME}-${scopes.join('+')}`, scopes, expiresAt: expiresAt ?? null })).token;
  const submit = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: SPEC, headers });

  before(async () => {
    app = await testApp('test-api-auth', { SLMLAB_AUTH: 'on' });
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { id: { in: experiments } } });
    await app.db.apiToken.deleteMany({ where: { name: { startsWith: NAME } } });
    await closeTestApp(app);
  });

  test('a write without a token: 401 unauthorized with a Bearer challenge, nothing stored', async () => {
    const res = await submit();
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthorized');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="slmlab"');
    assert.equal(await app.db.experiment.count({ where: { name: NAME } }), 0);
  });

  test('a write with a read-only token: 403 forbidden (insufficient_scope)', async () => {
    const res = await submit(bearer(await mint(['read'])));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope", scope="write"/);
  });

  test('a write with a write token succeeds, and the use is recorded', async () => {
    const token = await mint(['write']);
    const res = await submit(bearer(token));
    assert.equal(res.statusCode, 201, res.body);
    experiments.push(res.json().id);
    const row = await app.db.apiToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    assert.ok(row.lastUsedAt && Date.now() - row.lastUsedAt.getTime() < 60_000);
  });

  test('lastUsedAt is written at most once a minute', async () => {
    const token = await mint(['read']);
    const where = { tokenHash: hashToken(token) };
    const get = () => app.inject({ url: '/v1/experiments?limit=1', headers: bearer(token) });
    assert.equal((await get()).statusCode, 200);
    const first = (await app.db.apiToken.findUniqueOrThrow({ where })).lastUsedAt;
    assert.ok(first);
    assert.equal((await get()).statusCode, 200);
    assert.deepEqual((await app.db.apiToken.findUniqueOrThrow({ where })).lastUsedAt, first, 'a second use within the minute writes nothing');
    const old = new Date(Date.now() - 61_000);
    await app.db.apiToken.update({ where, data: { lastUsedAt: old } });
    assert.equal((await get()).statusCode, 200);
    const later = (await app.db.apiToken.findUniqueOrThrow({ where })).lastUsedAt;
    assert.ok(later && later > old, 'a use after a minute is recorded');
  });

  test('revoked, expired, unknown and malformed tokens: 401 invalid_token', async () => {
    const revoked = await mint(['write']);
    await app.db.apiToken.update({ where: { tokenHash: hashToken(revoked) }, data: { revokedAt: new Date() } });
    const expired = await mint(['write'], new Date(Date.now() - 1000));
    const unknown = `slm_${'A'.repeat(43)}`;
    for (const [token, reason] of [[revoked, 'token revoked'], [expired, 'token expired'], [unknown, 'unknown token'], ['nope', 'malformed token']]) {
      const res = await submit(bearer(token!));
      assert.equal(res.statusCode, 401, reason);
      assert.deepEqual(res.json().error, { code: 'unauthorized', message: reason });
      assert.match(String(res.headers['www-authenticate']), /^Bearer realm="slmlab", error="invalid_token"/);
    }
    const basic = await submit({ authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.statusCode, 401);
    assert.equal(await app.db.experiment.count({ where: { name: NAME, id: { notIn: experiments } } }), 0);
  });

  test('a token that is not expired yet works', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments/00000000-0000-4000-8000-000000000000/cancel',
      headers: bearer(await mint(['read', 'write'], new Date(Date.now() + 60_000))) });
    assert.equal(res.statusCode, 404, 'past auth: the experiment does not exist');
  });

  test("other features' routes are covered by method and prefix: sweeps, unknown paths", async () => {
    for (const [method, url] of [['POST', '/v1/sweeps'], ['DELETE', '/v1/experiments/x'], ['POST', '/v2/anything']] as const) {
      const res = await app.inject({ method, url, payload: {} });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
  });

  test('reads need no token; a bad token sent with one is still refused', async () => {
    assert.equal((await app.inject({ url: '/v1/experiments?limit=1' })).statusCode, 200);
    const res = await app.inject({ url: '/v1/experiments?limit=1', headers: bearer(`slm_${'B'.repeat(43)}`) });
    assert.equal(res.statusCode, 401);
  });

  test('open reads show checkpoints but do not give their weights away: the download needs a token', async () => {
    const res = await submit(bearer(await mint(['write'])));
    const id: string = res.json().id;
    experiments.push(id);
    const saved = await checkpointsRepo(app.db).save({ experimentId: id, tag: 'best', epoch: 1, step: 1, format: 'slmlab-weights-v1', data: new Uint8Array([1, 2, 3]) });
    assert.equal((await app.inject({ url: `/v1/experiments/${id}/checkpoints` })).statusCode, 200, 'the list is an open read');
    const download = `/v1/experiments/${id}/checkpoints/${saved.id}`;
    const anonymous = await app.inject({ url: download });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'unauthorized');
    const withToken = await app.inject({ url: download, headers: bearer(await mint(['read'])) });
    assert.equal(withToken.statusCode, 200);
    assert.deepEqual([...withToken.rawPayload], [1, 2, 3]);
  });

  test('the stored row holds the hash and prefix, never the token', async () => {
    const { token, row } = await createToken(tokensRepo(app.db), { name: `${NAME}-stored`, scopes: ['read'] });
    assert.match(token, /^slm_[A-Za-z0-9_-]{43}$/);
    const stored = await app.db.apiToken.findUniqueOrThrow({ where: { id: row.id } });
    assert.equal(stored.tokenHash, hashToken(token));
    assert.equal(stored.prefix, token.slice(0, 12));
    assert.ok(!JSON.stringify(stored).includes(token.slice(12)), 'no column holds the secret part');
  });

  test('the OpenAPI document declares bearerAuth; probes need none', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description,
    });
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
    assert.equal(doc.paths['/v1/experiments'].post.security, undefined, 'inherits the global requirement');
  });
});

describe('auth on, SLMLAB_AUTH_OPEN_READS=false', () => {
  let app: FastifyInstance;

  before(async () => {
    app = await testApp('test-api-auth-closed', { SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: 'false' });
  });
  after(async () => {
    await app.db.apiToken.deleteMany({ where: { name: { startsWith: NAME } } });
    await closeTestApp(app);
  });

  test('reads need a read (or write) token', async () => {
    const none = await app.inject({ url: '/v1/experiments?limit=1' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="slmlab"');
    for (const scopes of [['read'], ['write']] as TokenScope[][]) {
      const { token } = await createToken(tokensRepo(app.db), { name: `${NAME}-closed`, scopes });
      assert.equal((await app.inject({ url: '/v1/experiments?limit=1', headers: bearer(token) })).statusCode, 200, scopes.join());
    }
  });

  test('a Prometheus scrape of /metrics needs a read token too (it lists runs, workers and hosts)', async () => {
    assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
    const { token } = await createToken(tokensRepo(app.db), { name: `${NAME}-scrape`, scopes: ['read'] });
    const res = await app.inject({ url: '/metrics', headers: bearer(token) });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /^# TYPE slmlab_queue_jobs gauge$/m);
  });

  test('/healthz, /readyz and /docs stay open', async () => {
    for (const url of ['/healthz', '/readyz', '/docs', '/docs/json']) {
      assert.equal((await app.inject({ url })).statusCode, 200, url);
    }
  });
});

describe('auth on, open reads, SLMLAB_AUTH_OPEN_CHECKPOINTS=true', () => {
  let app: FastifyInstance;
  let id = '';
  before(async () => {
    app = await testApp('test-api-auth-open-ckpt', { SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_CHECKPOINTS: 'true' });
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { id } });
    await closeTestApp(app);
  });

  test('a checkpoint downloads without a token', async () => {
    const { token } = await createToken(tokensRepo(app.db), { name: `${NAME}-ckpt`, scopes: ['write'], expiresAt: null });
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: SPEC, headers: bearer(token) });
    id = res.json().id;
    const saved = await checkpointsRepo(app.db).save({ experimentId: id, tag: 'best', epoch: 1, step: 1, format: 'slmlab-weights-v1', data: new Uint8Array([7]) });
    const download = await app.inject({ url: `/v1/experiments/${id}/checkpoints/${saved.id}` });
    assert.equal(download.statusCode, 200);
    await app.db.apiToken.deleteMany({ where: { name: `${NAME}-ckpt` } });
  });
});
