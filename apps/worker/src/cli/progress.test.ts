import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds } from './progress.ts';

test('formatSeconds rounds once, then splits: never "1m60s" or "60s"', () => {
  const cases: [number, string][] = [
    [0, '0s'], [59.4, '59s'], [59.6, '1m00s'], [119.6, '2m00s'], [754, '12m34s'],
    [3599.6, '1h00m'], [5400, '1h30m'], [Infinity, '?'],
  ];
  for (const [s, want] of cases) assert.equal(formatSeconds(s), want, String(s));
  for (let s = 0; s < 7200; s += 0.25) assert.doesNotMatch(formatSeconds(s), /(^|[hm])60[sm]/, String(s));
});
