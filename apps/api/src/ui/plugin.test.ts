// The dashboard's files on the API's origin: the page for any /ui path, assets cached for good, nothing outside
// the build directory, a clear 503 before it is built, and no token needed for the files even with auth on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeTestApp, testApp } from '../testing.ts';

function fakeBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slmlab-ui-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>slmlab</title>');
  writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'outside the build');
  return dir;
}

test('/ui serves the page for its own paths, its files, and 404 for a missing asset', async () => {
  const app = await testApp('ui-files', { SLMLAB_UI_DIR: fakeBuild() });
  try {
    const root = await app.inject('/');
    assert.deepEqual([root.statusCode, root.headers.location], [302, '/ui/']);
    for (const url of ['/ui/', '/ui/runs', '/ui/runs/7d1c3f4e-0000-4000-8000-000000000000?x=flops', '/ui/sweeps/abc']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, '<!doctype html><title>slmlab</title>', url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
    const js = await app.inject('/ui/assets/index-abc.js');
    assert.deepEqual([js.statusCode, js.body, js.headers['cache-control']], [200, 'console.log(1)', 'public, max-age=31536000, immutable']);
    assert.equal((await app.inject('/ui/assets/index-old.js')).statusCode, 404);
    for (const url of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt']) {
      const res = await app.inject(url);
      assert.notEqual(res.body, 'outside the build', url);
    }
  } finally {
    await closeTestApp(app);
  }
});

test('before the dashboard is built, /ui answers 503 saying how to build it; the API works as ever', async () => {
  const app = await testApp('ui-missing', { SLMLAB_UI_DIR: mkdtempSync(path.join(tmpdir(), 'slmlab-ui-empty-')) });
  try {
    const res = await app.inject('/ui/runs');
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'ui_not_built');
    assert.match(res.json().error.message, /npm run build:web/);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  } finally {
    await closeTestApp(app);
  }
});

test('with auth on and closed reads, the files need no token; the data still does', async () => {
  const app = await testApp('ui-auth', { SLMLAB_UI_DIR: fakeBuild(), SLMLAB_AUTH: 'on', SLMLAB_AUTH_OPEN_READS: 'false' });
  try {
    assert.equal((await app.inject('/ui/runs')).statusCode, 200);
    assert.equal((await app.inject('/ui/assets/index-abc.js')).statusCode, 200);
    assert.equal((await app.inject('/v1/experiments')).statusCode, 401);
  } finally {
    await closeTestApp(app);
  }
});
