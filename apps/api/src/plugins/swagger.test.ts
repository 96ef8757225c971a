import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, testApp } from '../testing.ts';

let app: FastifyInstance;
before(async () => {
  app = await testApp('test-api-docs');
});
after(() => closeTestApp(app));

test('/docs serves the browsable documentation', async () => {
  const res = await app.inject({ url: '/docs' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /swagger-ui/i);
});

test('/docs/json is an OpenAPI 3 document of every route', async () => {
  const res = await app.inject({ url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.match(doc.openapi, /^3\./);
  assert.equal(doc.info.title, 'slmlab API');
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/healthz', '/readyz', '/v1/experiments', '/v1/experiments/{id}', '/v1/experiments/{id}/cancel',
    '/v1/experiments/{id}/checkpoints', '/v1/experiments/{id}/checkpoints/{checkpointId}', '/v1/experiments/{id}/events',
    '/v1/experiments/{id}/metrics', '/v1/compare', '/v1/frontier',
    '/v1/sweeps', '/v1/sweeps/{id}', '/v1/sweeps/{id}/retry', '/v1/sweeps/{id}/table', '/v1/sweeps/{id}/events',
  ].sort());
  assert.deepEqual(Object.keys(doc.paths['/v1/experiments']).sort(), ['get', 'post']);
  assert.deepEqual(doc.tags.map((t: { name: string }) => t.name), ['experiments', 'checkpoints', 'health']);
});

test('the submission body documents the spec, with an example, and fields with defaults as optional', async () => {
  const post = (await app.inject({ url: '/docs/json' })).json().paths['/v1/experiments'].post;
  const body = post.requestBody.content['application/json'];
  assert.equal(body.example.dataset, 'tinyshakespeare');
  assert.deepEqual(body.schema.required.sort(), ['dataset', 'model']);
  assert.deepEqual(body.schema.properties.dataset.enum, ['tinyshakespeare', 'ptb', 'wikitext2']);
  assert.ok(body.schema.properties.training.required === undefined, 'every training setting has a default');
  assert.deepEqual(Object.keys(post.responses).sort(), ['200', '201', '400', '413', '415', '422', '503']);
  assert.deepEqual(post.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort(), ['header:idempotency-key', 'query:force']);
});
