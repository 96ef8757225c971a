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

test('submission limits: 5e7 parameters, 1e17 training FLOPs, 3.5 GiB (what a wasm worker holds) by default; exponents are accepted', () => {
  const c = loadApiConfig({});
  assert.deepEqual([c.SLMLAB_MAX_PARAMS, c.SLMLAB_MAX_TRAIN_FLOPS, c.SLMLAB_MAX_EST_MEMORY_BYTES], [50_000_000, 1e17, 3.5 * 1024 ** 3]);
  assert.equal(loadApiConfig({ SLMLAB_MAX_TRAIN_FLOPS: '2.5e15' }).SLMLAB_MAX_TRAIN_FLOPS, 2.5e15);
  assert.throws(() => loadApiConfig({ SLMLAB_MAX_PARAMS: '0', SLMLAB_MAX_EST_MEMORY_BYTES: 'lots' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path).sort(), ['SLMLAB_MAX_EST_MEMORY_BYTES', 'SLMLAB_MAX_PARAMS']);
    return true;
  });
});

test('queue reconciler: every 30 s by default, 0 turns it off, nonsense is refused', () => {
  assert.equal(loadApiConfig({}).SLMLAB_RECONCILE_INTERVAL_S, 30);
  assert.equal(loadApiConfig({ SLMLAB_RECONCILE_INTERVAL_S: '0' }).SLMLAB_RECONCILE_INTERVAL_S, 0);
  assert.equal(loadApiConfig({ SLMLAB_RECONCILE_INTERVAL_S: '5' }).SLMLAB_RECONCILE_INTERVAL_S, 5);
  for (const bad of ['-1', '86401', 'often']) {
    assert.throws(() => loadApiConfig({ SLMLAB_RECONCILE_INTERVAL_S: bad }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path), ['SLMLAB_RECONCILE_INTERVAL_S']);
      return true;
    });
  }
});

test('auth: off with open reads by default; on/off and true/false are accepted, nonsense is refused', () => {
  const d = loadApiConfig({});
  assert.deepEqual([d.SLMLAB_AUTH, d.SLMLAB_AUTH_OPEN_READS], ['off', true]);
  const c = loadApiConfig({ SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: 'false' });
  assert.deepEqual([c.SLMLAB_AUTH, c.SLMLAB_AUTH_OPEN_READS], ['on', false]);
  assert.throws(() => loadApiConfig({ SLMLAB_AUTH: 'yes', SLMLAB_AUTH_OPEN_READS: 'maybe' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path).sort(), ['SLMLAB_AUTH', 'SLMLAB_AUTH_OPEN_READS']);
    return true;
  });
});

test('imports: bundles up to 256 MiB by default, their own limit; the deployment id is derived unless set', () => {
  const c = loadApiConfig({});
  assert.deepEqual([c.SLMLAB_MAX_IMPORT_BYTES, c.SLMLAB_DEPLOYMENT_ID], [256 * 1024 * 1024, '']);
  assert.equal(loadApiConfig({ SLMLAB_MAX_IMPORT_BYTES: '1048576', SLMLAB_DEPLOYMENT_ID: 'gpu-box' }).SLMLAB_MAX_IMPORT_BYTES, 1_048_576);
  assert.throws(() => loadApiConfig({ SLMLAB_MAX_IMPORT_BYTES: '0' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path), ['SLMLAB_MAX_IMPORT_BYTES']);
    return true;
  });
});
