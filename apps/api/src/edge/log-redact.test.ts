// A credential in a URL never reaches the log: not as ?token=, not as anything shaped like an slmlab token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildApp } from '../app.ts';
import { loadApiConfig } from '../config.ts';
import { redactUrl } from './log-redact.ts';

const SECRET = 'slm_' + 'A'.repeat(43);

test('credential-like query parameters and token-shaped values are redacted; the rest is kept', () => {
  assert.equal(redactUrl(`/v1/experiments?limit=5&token=${SECRET}`), '/v1/experiments?limit=5&token=[redacted]');
  assert.equal(redactUrl('/v1/x?access_token=abc&api_key=def&status=queued'), '/v1/x?access_token=[redacted]&api_key=[redacted]&status=queued');
  assert.equal(redactUrl(`/v1/experiments/${SECRET}`), '/v1/experiments/[redacted]');
  assert.equal(redactUrl('/v1/experiments?where=%7B%7D'), '/v1/experiments?where=%7B%7D');
});

test('the request log of a URL carrying a token holds no token', async () => {
  let logged = '';
  const stream = new Writable({ write: (chunk, _enc, done) => void ((logged += chunk.toString()), done()) });
  const config = loadApiConfig({ ...process.env, SLMLAB_QUEUE_PREFIX: `test-log-redact-${process.pid}`, SLMLAB_RECONCILE_INTERVAL_S: '0', SLMLAB_AUTH: 'on' });
  const app = buildApp({ config, logger: { level: 'info', stream } });
  await app.ready();
  try {
    const res = await app.inject({ url: `/v1/experiments?token=${SECRET}&limit=1`, method: 'POST' });
    assert.equal(res.statusCode, 401, 'a token in the query string is not accepted');
    assert.ok(logged.includes('incoming request'), 'requests are logged');
    assert.ok(logged.includes('token=[redacted]'), logged);
    assert.ok(!logged.includes(SECRET), 'the token is nowhere in the log');
  } finally {
    await app.queue.obliterate({ force: true });
    await app.close();
  }
});
