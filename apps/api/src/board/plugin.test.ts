// Bull Board at /admin/queues over HTTP, against the real Redis queue: with auth on, every request — the page,
// its assets, its API — needs a write token (as a bearer token, or as the password of HTTP Basic auth, which a
// browser asks for), open reads included; with auth off it is open like the rest of the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { EXPERIMENT_QUEUE } from '@slmlab/core';
import { tokensRepo } from '@slmlab/db';
import { createToken, type TokenScope } from '../auth/tokens.ts';
import { closeTestApp, testApp } from '../testing.ts';

const NAME = `board-test-${process.pid}`;
const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}` });

describe('the queue board with auth on and open reads', () => {
  let app: FastifyInstance;
  const mint = async (scopes: TokenScope[]) => (await createToken(tokensRepo(app.db), { name: `${NAME}-${scopes.join('+')}`, scopes })).token;
  before(async () => {
    app = await testApp('test-api-board', { SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: 'true' });
  });
  after(async () => {
    await app.db.apiToken.deleteMany({ where: { name: { startsWith: NAME } } });
    await closeTestApp(app);
  });

  test('no token: 401 with a Basic challenge (a browser prompts), although reads are open elsewhere', async () => {
    assert.equal((await app.inject({ url: '/v1/queue' })).statusCode, 200, 'open reads');
    for (const url of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="slmlab queue board", charset="UTF-8"', url);
    }
  });

  test('a read token is refused (403); a write token opens it, as bearer or as a Basic password', async () => {
    const read = await mint(['read']);
    assert.equal((await app.inject({ url: '/admin/queues', headers: { authorization: `Bearer ${read}` } })).statusCode, 403);
    assert.equal((await app.inject({ url: '/admin/queues', headers: basic(read) })).statusCode, 403);
    assert.equal((await app.inject({ url: '/admin/queues', headers: basic('not-a-token') })).statusCode, 401);
    const write = await mint(['write']);
    const page = await app.inject({ url: '/admin/queues', headers: basic(write) });
    assert.equal(page.statusCode, 200, page.body);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /slmlab queue/);
    const api = await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${write}` } });
    assert.equal(api.statusCode, 200, api.body);
    assert.deepEqual(api.json().queues.map((q: { name: string }) => q.name), [EXPERIMENT_QUEUE]);
  });

  test('the board is not part of the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/admin')), []);
  });
});

describe('the queue board with auth off', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-board-open');
  });
  after(() => closeTestApp(app));

  test('is served without a token', async () => {
    assert.equal((await app.inject({ url: '/admin/queues' })).statusCode, 200);
  });
});
