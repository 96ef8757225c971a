import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError, InvalidSpecError, SlmlabError, isRetryable } from './errors.ts';

test('retryability is the error\'s own say; an unclassified error is taken for transient', () => {
  assert.equal(isRetryable(new InvalidSpecError([{ path: '/x', message: 'bad' }])), false);
  assert.equal(isRetryable(new DataError('missing')), false);
  assert.equal(isRetryable(new SlmlabError('unavailable', 'down', { retryable: true })), true);
  assert.equal(isRetryable(Object.assign(new Error('from a sandbox'), { retryable: false })), false);
  assert.equal(isRetryable(new Error('ECONNRESET')), true);
  assert.equal(isRetryable('a string'), true);
  assert.equal(isRetryable(null), true);
});
