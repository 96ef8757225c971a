// `npm run token`: create in-process, use the token over HTTP, list it, revoke it as a real child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, testApp } from '../testing.ts';
import { runTokensCli } from './tokens.ts';

const NAME = `cli-token-test-${process.pid}`;
const CLI = fileURLToPath(new URL('./tokens.ts', import.meta.url));

let app: FastifyInstance;
before(async () => {
  app = await testApp('test-api-token-cli', { SLMLAB_AUTH: 'on' });
});
after(async () => {
  await app.db.apiToken.deleteMany({ where: { name: { startsWith: NAME } } });
  await closeTestApp(app);
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokensCli(argv, app.db, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A write that passes auth reaches the route: cancelling an unknown experiment is 404, not 401. */
const cancelUnknown = (token: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/experiments/00000000-0000-4000-8000-000000000000/cancel',
    headers: { authorization: `Bearer ${token}` },
  });

test('create → the token works → list shows it → revoke (child process) → 401', async () => {
  const created = await cli('create', '--name', NAME, '--scopes', 'read,write', '--expires-days', '30');
  assert.equal(created.code, 0, created.err);
  const token = created.out.trim();
  assert.match(token, /^slm_[A-Za-z0-9_-]{43}$/, 'stdout is the token alone');
  assert.match(created.err, /store it now/);
  assert.equal((await cancelUnknown(token)).statusCode, 404);

  const row = await app.db.apiToken.findFirstOrThrow({ where: { name: NAME } });
  assert.deepEqual(row.scopes, ['read', 'write']);
  const days = (row.expiresAt!.getTime() - row.createdAt.getTime()) / 86_400_000;
  assert.ok(Math.abs(days - 30) < 0.01, `expires in ${days} days`);

  const listed = await cli('list');
  const line = listed.out.split('\n').find((l) => l.includes(NAME));
  assert.ok(line, listed.out);
  assert.ok(line.includes(token.slice(0, 12)) && line.includes('read,write'));
  assert.ok(!listed.out.includes(token.slice(12)), 'list never shows the secret');
  const json = JSON.parse((await cli('list', '--json')).out) as Array<Record<string, unknown>>;
  const entry = json.find((t) => t['name'] === NAME);
  assert.ok(entry && !('tokenHash' in entry));

  const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'revoke', token.slice(0, 12)], {
    env: process.env,
  });
  assert.match(stderr, /revoked token/);
  const res = await cancelUnknown(token);
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error.message, 'token revoked');
  assert.match((await cli('revoke', row.id)).err, /already revoked/);
});

test('mistakes: exit 2 with the usage; an unknown token to revoke: exit 1', async () => {
  for (const argv of [[], ['frobnicate'], ['create', '--scopes', 'read'], ['create', '--name', `${NAME}-bad`, '--scopes', 'admin'],
    ['create', '--name', `${NAME}-bad`, '--scopes', 'read', '--expires-days', '-1'], ['create', '--bogus'], ['revoke']]) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /usage: npm run token/);
  }
  assert.equal(await app.db.apiToken.count({ where: { name: `${NAME}-bad` } }), 0, 'nothing was created');
  assert.equal((await cli('revoke', 'slm_nosuchpfx')).code, 1);
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('PostgreSQL unreachable or the database missing: one line that says what to do, exit 1, no stack', async () => {
  const cases = [
    [`postgresql://postgres:hunter2@127.0.0.1:${await closedPort()}/slmlab`, /^\[slmlab token\] cannot reach PostgreSQL at 127\.0\.0\.1:\d+ .*set DATABASE_URL$/],
    [`postgresql://postgres@127.0.0.1:5432/slmlab_no_such_db_${process.pid}`, /^\[slmlab token\] database slmlab_no_such_db_\d+ does not exist .*npm run db:migrate/],
  ] as const;
  for (const [url, message] of cases) {
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'list'], { env: { ...process.env, DATABASE_URL: url } }).then(
      () => assert.fail('exit 0 without a database'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err.code, 1);
    assert.equal(err.stderr.trim().split('\n').length, 1, err.stderr);
    assert.match(err.stderr.trim(), message);
    assert.ok(!err.stderr.includes('hunter2'), 'the password is not printed');
  }
});
