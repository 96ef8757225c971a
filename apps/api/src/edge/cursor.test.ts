import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { InvalidRequestError } from './http-errors.ts';

const NEWEST = { sort: 'createdAt', order: 'desc' } as const;
const id = '72099fee-6fe0-4995-bd64-400d5f1dd863';

test('a cursor round-trips to the same key, to the millisecond, for dates and numbers', () => {
  const cursor = encodeCursor(NEWEST, new Date('2026-11-28T19:53:21.004Z'), id);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url: safe in a query string');
  assert.deepEqual(decodeCursor(cursor, NEWEST, 'date'), { value: new Date('2026-11-28T19:53:21.004Z'), id });
  const byNll = { sort: 'testNll', order: 'asc' } as const;
  assert.deepEqual(decodeCursor(encodeCursor(byNll, 2.5, id), byNll, 'number'), { value: 2.5, id });
  assert.deepEqual(decodeCursor(encodeCursor(byNll, null, id), byNll, 'number'), { value: null, id });
});

test('a cursor of the first format ({createdAt, id}) still continues a newest-first list', () => {
  const old = Buffer.from(JSON.stringify({ createdAt: '2026-11-28T19:53:21.004Z', id })).toString('base64url');
  assert.deepEqual(decodeCursor(old, NEWEST, 'date'), { value: new Date('2026-11-28T19:53:21.004Z'), id });
});

test('anything else is an InvalidRequestError at /cursor: forged, another sort, a date PostgreSQL cannot hold', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const bad = [
    'not base64 at all!',
    b64([]),
    b64({ createdAt: '2026-11-28T00:00:00Z' }),
    b64({ createdAt: 'soon', id }),
    b64({ createdAt: '2026-11-28T00:00:00.000Z', id: '1; DROP TABLE' }),
    b64({ s: 'createdAt', o: 'desc', v: '+275760-09-13T00:00:00.000Z', id }),
    b64({ s: 'createdAt', o: 'desc', v: '0000-01-01T00:00:00.000Z', id }),
    b64({ s: 'createdAt', o: 'desc', v: '2026-11-28', id }),
    b64({ s: 'createdAt', o: 'asc', v: '2026-11-28T00:00:00.000Z', id }),
    b64({ s: 'testNll', o: 'desc', v: 1, id }),
  ];
  for (const cursor of bad) {
    assert.throws(() => decodeCursor(cursor, NEWEST, 'date'), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError);
      assert.deepEqual(e.issues.map((i) => i.path), ['/cursor']);
      return true;
    }, cursor);
  }
});
