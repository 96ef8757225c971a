import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from './spec.ts';
import { canonicalJson, specHash } from './spec-hash.ts';

test('canonical JSON sorts keys at every level and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: undefined } }), '{"a":{"d":[2,{"y":null,"z":1}]},"b":1}');
});

test('the hash ignores key order, written-out defaults and the name, but not a setting', () => {
  const a = parseSpec({ name: 'a', dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 } });
  const b = parseSpec({ model: { contextLength: 16, kind: 'linear' }, training: { epochs: 3 }, dataset: 'tinyshakespeare' });
  const c = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { seed: 1 } });
  assert.match(specHash(a), /^[0-9a-f]{64}$/);
  assert.equal(specHash(a), specHash(b));
  assert.notEqual(specHash(a), specHash(c));
});
