import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { InvalidRequestError } from './http-errors.ts';

test('a cursor round-trips to the same key, to the millisecond', () => {
  const key = { createdAt: new Date('2026-11-28T19:53:21.004Z'), id: '72099fee-6fe0-4995-bd64-400d5f1dd863' };
  const cursor = encodeCursor(key);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url: safe in a query string');
  assert.deepEqual(decodeCursor(cursor), key);
});

test('anything else is an InvalidRequestError at /cursor', () => {
  const bad = [
    'not base64 at all!',
    Buffer.from('[]').toString('base64url'),
    Buffer.from('{"createdAt":"2026-11-28T00:00:00Z"}').toString('base64url'),
    Buffer.from('{"createdAt":"soon","id":"72099fee-6fe0-4995-bd64-400d5f1dd863"}').toString('base64url'),
    Buffer.from('{"createdAt":"2026-11-28T00:00:00Z","id":"1; DROP TABLE"}').toString('base64url'),
  ];
  for (const cursor of bad) {
    assert.throws(() => decodeCursor(cursor), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError);
      assert.deepEqual(e.issues.map((i) => i.path), ['/cursor']);
      return true;
    }, cursor);
  }
});
