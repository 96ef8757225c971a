import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
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
    '/healthz', '/readyz', '/metrics', '/v1/experiments', '/v1/experiments/{id}', '/v1/experiments/{id}/cancel',
    '/v1/experiments/{id}/checkpoints', '/v1/experiments/{id}/checkpoints/{checkpointId}', '/v1/experiments/{id}/events',
    '/v1/experiments/{id}/metrics', '/v1/experiments/{id}/export', '/v1/experiments/import', '/v1/compare', '/v1/frontier',
    '/v1/sweeps', '/v1/sweeps/{id}', '/v1/sweeps/{id}/retry', '/v1/sweeps/{id}/table', '/v1/sweeps/{id}/events',
    '/v1/workers', '/v1/queue',
  ].sort());
  assert.deepEqual(Object.keys(doc.paths['/v1/experiments']).sort(), ['get', 'post']);
  assert.deepEqual(doc.tags.map((t: { name: string }) => t.name), ['experiments', 'sweeps', 'checkpoints', 'workers', 'health']);
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

test('every response of every route has an example, valid against its schema', async () => {
  const doc = (await app.inject({ url: '/docs/json' })).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (ajvFormats as unknown as typeof ajvFormats.default)(ajv);
  const seen: string[] = [];
  for (const [path, methods] of Object.entries<Record<string, { responses: Record<string, any> }>>(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries<{ schema: any; example?: unknown }>(response.content ?? {})) {
          const where = `${method.toUpperCase()} ${path} ${status} ${type}`;
          if (media.schema.format === 'binary') continue; // a checkpoint's bytes: nothing to show as text
          assert.ok(media.example !== undefined, `${where} has no example`);
          const validate = ajv.compile(media.schema);
          assert.ok(validate(media.example), `${where}: ${ajv.errorsText(validate.errors)}`);
          seen.push(where);
        }
      }
    }
  }
  assert.ok(seen.length >= 60, `only ${seen.length} responses checked`);
  assert.ok(seen.includes('GET /v1/sweeps/{id}/events 200 text/event-stream'));
  assert.ok(seen.includes('GET /v1/workers 200 application/json') && seen.includes('GET /v1/queue 503 application/json'));
  const download = doc.paths['/v1/experiments/{id}/checkpoints/{checkpointId}'].get.responses['200'].content;
  assert.deepEqual(Object.keys(download), ['application/octet-stream']);
  assert.deepEqual(Object.keys(doc.paths['/v1/experiments/{id}/export'].get.responses['200'].content), ['application/octet-stream']);
  assert.ok(seen.includes('POST /v1/experiments/import 201 application/json') && seen.includes('POST /v1/experiments/import 409 application/json'));
  const upload = doc.paths['/v1/experiments/import'].post.requestBody.content;
  assert.deepEqual(upload, { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } });
});
