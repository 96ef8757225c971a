import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@slmlab/core';
import { loadApiConfig } from './config.ts';

test('defaults: 127.0.0.1:3000, 1 MiB bodies', () => {
  const c = loadApiConfig({});
  assert.deepEqual([c.HOST, c.PORT, c.BODY_LIMIT_BYTES, c.SLMLAB_QUEUE_PREFIX], ['127.0.0.1', 3000, 1_048_576, 'slmlab']);
});

test('values are converted, and bad ones are named', () => {
  assert.equal(loadApiConfig({ PORT: '8080', BODY_LIMIT_BYTES: '2048' }).BODY_LIMIT_BYTES, 2048);
  assert.throws(() => loadApiConfig({ PORT: '70000', BODY_LIMIT_BYTES: 'big' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path).sort(), ['BODY_LIMIT_BYTES', 'PORT']);
    return true;
  });
});
