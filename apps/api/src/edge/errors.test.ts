// What a client gets for a bad request: status, code and the path of every problem. Nothing refused is stored
// or enqueued.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@slmlab/core';
import { closeTestApp, testApp } from '../testing.ts';
import { errorResponse } from './errors.ts';

const VALID = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 } };

describe('request errors', () => {
  let app: FastifyInstance;

  before(async () => {
    app = await testApp('test-api-errors');
  });

  after(async () => {
    // Every request here was refused: none of them may have reached the queue.
    assert.equal(await app.queue.count(), 0);
    await closeTestApp(app);
  });

  async function postSpec(payload: unknown) {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments', payload: payload as object });
    return { status: res.statusCode, error: res.json().error };
  }

  function issueAt(error: { issues: { path: string; message: string }[] }, path: string) {
    const issue = error.issues.find((i) => i.path === path);
    assert.ok(issue, `an issue at ${path} among ${JSON.stringify(error.issues)}`);
    return issue.message;
  }

  test('a wrong type is not coerced: "4" is not an integer', async () => {
    const { status, error } = await postSpec({ ...VALID, model: { kind: 'linear', contextLength: '4' } });
    assert.equal(status, 400);
    assert.equal(error.code, 'invalid_spec');
    assert.deepEqual(error.issues, [{ path: '/model/contextLength', message: 'must be integer' }]);
  });

  test('an unknown field is refused', async () => {
    const { status, error } = await postSpec({ ...VALID, training: { epochs: 1, foo: 1 } });
    assert.equal(status, 400);
    assert.deepEqual(error.issues, [{ path: '/training/foo', message: 'unknown field' }]);
  });

  test('an unknown top-level field is refused', async () => {
    const { status, error } = await postSpec({ ...VALID, priority: 'high' });
    assert.equal(status, 400);
    assert.equal(issueAt(error, '/priority'), 'unknown field');
  });

  test('a value out of range names its bound', async () => {
    const { status, error } = await postSpec({ ...VALID, training: { epochs: 0 } });
    assert.equal(status, 400);
    assert.deepEqual(error.issues, [{ path: '/training/epochs', message: 'must be >= 1' }]);
  });

  test('an unknown dataset lists the known ones', async () => {
    const { status, error } = await postSpec({ ...VALID, dataset: 'enwik8' });
    assert.equal(status, 400);
    assert.equal(issueAt(error, '/dataset'), 'must be one of: tinyshakespeare, ptb, wikitext2');
  });

  test('a missing required field is named', async () => {
    const { status, error } = await postSpec({ model: VALID.model });
    assert.equal(status, 400);
    assert.equal(issueAt(error, ''), 'missing required field(s): dataset');
  });

  test('every problem is reported at once, and the message repeats them', async () => {
    const { error } = await postSpec({ dataset: 'x', model: { kind: 'linear', dModel: -1 }, training: { seed: 1.5 } });
    assert.deepEqual(error.issues.map((i: { path: string }) => i.path).sort(), ['/dataset', '/model/dModel', '/training/seed']);
    assert.match(error.message, /\/model\/dModel: must be >= 1/);
  });

  test('a rule between fields is a spec error too', async () => {
    const { status, error } = await postSpec({ ...VALID, model: { kind: 'attention', dModel: 30, heads: 4 } });
    assert.equal(status, 400);
    assert.equal(error.code, 'invalid_spec');
    assert.match(issueAt(error, '/model/heads'), /must divide dModel/);
  });

  test('rope needs an even head width; all-tokens needs a model that sees positions', async () => {
    const rope = await postSpec({ ...VALID, model: { kind: 'transformer', dModel: 12, heads: 4, positions: 'rope' } });
    assert.equal(rope.status, 400);
    assert.match(issueAt(rope.error, '/model/positions'), /rope needs an even head width; dModel\/heads = 3/);
    const mlp = await postSpec({ ...VALID, model: { kind: 'mlp' }, training: { objective: 'all-tokens' } });
    assert.equal(mlp.status, 400);
    assert.match(issueAt(mlp.error, '/training/objective'), /needs a model that sees positions/);
    const kind = await postSpec({ ...VALID, model: { kind: 'lstm' } });
    assert.equal(issueAt(kind.error, '/model/kind'), 'must be one of: linear, mlp, attention, transformer');
  });

  test('no body at all is a spec error at the root', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_spec');
    assert.deepEqual(res.json().error.issues.map((i: { path: string }) => i.path), ['']);
  });

  test('malformed JSON is 400 invalid_json', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v1/experiments', headers: { 'content-type': 'application/json' }, payload: '{"dataset":',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_json');
  });

  test('a body that is not JSON is 415, and the answer says what to send', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await app.inject({ method: 'POST', url: '/v1/experiments', headers: { 'content-type': type }, payload: 'dataset=x' });
      assert.equal(res.statusCode, 415, type);
      assert.deepEqual(res.json(), {
        error: { code: 'unsupported_media_type', message: 'Unsupported Media Type; send the body as JSON, with content-type: application/json' },
      });
    }
  });

  test('a body over BODY_LIMIT_BYTES (1 MiB by default) is 413', async () => {
    const payload = JSON.stringify({ ...VALID, name: 'x'.repeat(1024 * 1024) });
    const res = await app.inject({ method: 'POST', url: '/v1/experiments', headers: { 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'body_too_large');
  });

  test('an unknown route is 404 in the same shape', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/v1/experiments?x=1' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'not_found', message: 'no route for DELETE /v1/experiments' } });
  });
});

describe('errorResponse', () => {
  test('an unexpected error is 500 without its message or stack', () => {
    const [status, body] = errorResponse(new Error('password=hunter2 at /srv/secret.ts:12'));
    assert.equal(status, 500);
    assert.deepEqual(body, { error: { code: 'internal', message: 'internal server error' } });
  });

  test('an unreachable database or Redis is 503', () => {
    const prisma = Object.assign(new Error("Can't reach database server at 127.0.0.1:5999"), { code: 'P1001' });
    const wrapped = new Error('query failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    const redis = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    for (const err of [prisma, wrapped, redis]) assert.equal(errorResponse(err)[0], 503, err.message);
  });

  test('typed errors keep their codes', () => {
    assert.deepEqual(errorResponse(new NotFoundError('experiment', 'x')), [404, { error: { code: 'not_found', message: 'experiment x not found' } }]);
  });
});
