import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SLMLAB_VERSION } from './version.ts';

test("SLMLAB_VERSION is the root package.json's version", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(SLMLAB_VERSION, pkg.version);
});
