import { test } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { CommonEnv, parseEnv, redisOptions } from './config.ts';
import { ConfigError } from './errors.ts';

const Env = Type.Object({ ...CommonEnv, PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }) });

test('defaults apply and numbers are converted', () => {
  const c = parseEnv(Env, { PORT: '8080', UNRELATED: 'x' });
  assert.equal(c.PORT, 8080);
  assert.equal(c.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(parseEnv(Env, { PORT: '' }).PORT, 3000);
});

test('bad values fail with the variable name and the value', () => {
  assert.throws(
    () => parseEnv(Env, { PORT: 'eighty', REDIS_URL: 'http://x' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const paths = e.issues.map((i) => i.path).sort();
      assert.deepEqual(paths, ['PORT', 'REDIS_URL']);
      assert.match(e.message, /PORT: .*"eighty"/);
      return true;
    },
  );
});

test('an integer setting with a fraction is an error, not truncated', () => {
  assert.throws(() => parseEnv(Env, { PORT: '80.5' }), /PORT: .*"80\.5"/);
  assert.equal(parseEnv(Env, { PORT: '8e3' }).PORT, 8000);
});

test('redis URLs become connection options', () => {
  assert.deepEqual(redisOptions('redis://:pw@10.0.0.2:6380/2'), {
    host: '10.0.0.2', port: 6380, password: 'pw', db: 2, maxRetriesPerRequest: null,
  });
});
