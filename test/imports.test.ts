// The import rules of docs/architecture.md hold (scripts/check-imports.ts): no circles, the API never imports the
// worker, the ML core imports only tfjs, Dawn, @slmlab/core and node:*, packages are imported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImports } from '../scripts/check-imports.ts';

test('the sources keep the import rules', () => {
  assert.deepEqual(checkImports(), []);
});
