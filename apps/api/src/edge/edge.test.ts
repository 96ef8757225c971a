// The edge never answers 500, and a rejected request changes nothing: each class of bad input that independent
// tests of the service found gets a 4xx with the field's path (over HTTP, against the real database and Redis).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, closedPort, testApp } from '../testing.ts';

const NAME = `edge test ${randomUUID()}`;
const spec = (extra: Record<string, unknown> = {}) => ({
  name: NAME,
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 1, seed: Math.floor(Math.random() * 4e9) },
  ...extra,
});

/** A JSON text nested `depth` levels deep. */
const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;

interface Answer {
  status: number;
  body: { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
}

function assertRejected(res: Answer, status: number, path?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  if (path !== undefined) {
    assert.ok(res.body.error.issues?.some((i) => i.path === path), `an issue at ${path}: ${JSON.stringify(res.body.error)}`);
  }
}

describe('bad input is a 4xx with a path, and changes nothing', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-edge');
  });
  after(async () => {
    await app.db.sweep.deleteMany({ where: { name: { startsWith: 'edge test' } } });
    await app.db.experiment.deleteMany({ where: { name: { startsWith: 'edge test' } } });
    await closeTestApp(app);
  });

  const rows = () => app.db.experiment.count({ where: { name: NAME } });
  async function send(method: 'GET' | 'POST', url: string, payload?: string | object): Promise<Answer> {
    const headers = typeof payload === 'string' ? { 'content-type': 'application/json' } : undefined;
    const res = await app.inject({ method, url, payload, headers });
    return { status: res.statusCode, body: res.json() };
  }

  test('deeply nested JSON, in a body or in ?where=, is a 400 that names the depth', async () => {
    for (const depth of [200, 100_000]) {
      const res = await send('POST', '/v1/experiments', nested(depth));
      assertRejected(res, 400);
      assert.match(res.body.error.message, /nested deeper than \d+ levels/);
      const where = await send('GET', `/v1/experiments?where=${encodeURIComponent(nested(depth, '{"or":[', ']}'))}`);
      assertRejected(where, 400, '/where');
    }
  });

  test('a NUL or a lone surrogate in any string is a 400 at its path, before anything is stored', async () => {
    const before = await rows();
    for (const bad of ['a\u0000b', 'x\ud800', '\udc00y']) {
      assertRejected(await send('POST', '/v1/experiments', JSON.stringify(spec({ name: bad }))), 400, '/name');
      const where = encodeURIComponent(JSON.stringify({ name: { prefix: bad } }));
      assertRejected(await send('GET', `/v1/experiments?where=${where}`), 400, '/where/name/prefix');
      const sweep = { name: bad, base: spec({ name: undefined }), axes: { 'training.seed': [1, 2] } };
      assertRejected(await send('POST', '/v1/sweeps', JSON.stringify(sweep)), 400, '/name');
    }
    assert.equal(await rows(), before);
  });

  test('a forged cursor, or one with a date PostgreSQL cannot hold, is a 400 at /cursor', async () => {
    const forge = (createdAt: string) => Buffer.from(JSON.stringify({ createdAt, id: randomUUID() })).toString('base64url');
    for (const cursor of [forge('+275760-09-13T00:00:00.000Z'), forge('-271821-04-20T00:00:00.000Z'), forge('0000-01-01T00:00:00.000Z'), 'garbage']) {
      assertRejected(await send('GET', `/v1/experiments?cursor=${cursor}`), 400, '/cursor');
      assertRejected(await send('GET', `/v1/sweeps?cursor=${cursor}`), 400, '/cursor');
      assertRejected(await send('GET', `/v1/experiments?sort=testNll&cursor=${cursor}`), 400, '/cursor');
    }
  });

  test('query integers are integers as written: 1.5, 0x10, true and 1e1 are 400 at their path', async () => {
    for (const limit of ['1.5', '0x10', 'true', '1e1', ' 5', '']) {
      assertRejected(await send('GET', `/v1/experiments?limit=${encodeURIComponent(limit)}`), 400, '/limit');
    }
    assert.equal((await send('GET', '/v1/experiments?limit=5')).status, 200);
  });

  test('absurd magnitudes are refused at their path, not stored', async () => {
    const before = await rows();
    const huge = spec({ training: { epochs: 1, trainTokens: 1e300 } });
    assertRejected(await send('POST', '/v1/experiments', JSON.stringify(huge)), 400, '/training/trainTokens');
    const evalHuge = spec({ training: { epochs: 1, evalTokens: 1e300 } });
    assertRejected(await send('POST', '/v1/experiments', JSON.stringify(evalHuge)), 400, '/training/evalTokens');
    assert.equal(await rows(), before);
  });

  test('a __proto__ or constructor.prototype key is a 400 with its path', async () => {
    const proto = `{"name":"${NAME}","dataset":"tinyshakespeare","model":{"kind":"linear","__proto__":{"x":1}}}`;
    assertRejected(await send('POST', '/v1/experiments', proto), 400, '/model/__proto__');
    const ctor = `{"name":"${NAME}","dataset":"tinyshakespeare","constructor":{"prototype":{"x":1}}}`;
    assertRejected(await send('POST', '/v1/experiments', ctor), 400, '/constructor');
  });
});

describe('identical specs submitted at once', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-edge-dedup');
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { name: { startsWith: 'edge test' } } });
    await closeTestApp(app);
  });

  test('create one run: one 201, every other answer 200 with that run', async () => {
    const body = spec();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => app.inject({ method: 'POST', url: '/v1/experiments', payload: body })),
    );
    const statuses = answers.map((a) => a.statusCode);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 200).length, 39);
    assert.equal(new Set(answers.map((a) => a.json().id)).size, 1);
    assert.equal(await app.db.experiment.count({ where: { name: NAME, spec: { path: ['training', 'seed'], equals: body.training.seed } } }), 1);
  });
});

describe('with PostgreSQL unreachable, every read is 503', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await testApp('test-api-edge-nodb', { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/none` });
  });
  after(() => closeTestApp(app));

  for (const url of [
    '/v1/experiments',
    `/v1/experiments?where=${encodeURIComponent('{"testNll":{"lt":3}}')}`,
    '/v1/experiments?sort=testNll',
    '/v1/frontier',
    '/v1/sweeps',
    `/v1/sweeps/${randomUUID()}`,
    `/v1/experiments/${randomUUID()}/metrics`,
    `/v1/sweeps/${randomUUID()}/table`,
    `/v1/compare?ids=${randomUUID()},${randomUUID()}&value=1e12`,
    `/v1/experiments/${randomUUID()}/checkpoints`,
  ]) {
    test(`GET ${url.split('?')[0]}${url.includes('?') ? '?…' : ''}`, async () => {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 503, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'unavailable');
    });
  }
});

describe('slow clients and many streams are bounded', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = await testApp('test-api-edge-bounds', { REQUEST_TIMEOUT_S: '1', SLMLAB_MAX_EVENT_STREAMS: '2' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await app.db.experiment.deleteMany({ where: { name: { startsWith: 'edge test' } } });
    await closeTestApp(app);
  });

  test('a body trickled slower than REQUEST_TIMEOUT_S is cut off with 408', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":');
    let answer = '';
    socket.on('data', (b: Buffer) => void (answer += b.toString()));
    const t0 = Date.now();
    const trickle = setInterval(() => socket.write(' '), 200); // bytes keep coming, the body never completes
    try {
      await Promise.race([once(socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('still open after 10 s')), 10_000))]);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - t0 < 5000, `cut off after ${Date.now() - t0} ms`);
  });

  test('past SLMLAB_MAX_EVENT_STREAMS a new stream is 503 with Retry-After; a closed one frees its place', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: spec() });
    const url = `http://127.0.0.1:${port}/v1/experiments/${res.json().id}/events`;
    const streams = [new AbortController(), new AbortController()];
    const opened = await Promise.all(streams.map((c) => fetch(url, { signal: c.signal })));
    assert.deepEqual(opened.map((r) => r.status), [200, 200]);
    const third = await fetch(url);
    assert.equal(third.status, 503);
    assert.equal(third.headers.get('retry-after'), '5');
    assert.equal(((await third.json()) as Answer['body']).error.code, 'too_many_streams');
    streams[0]!.abort();
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await fetch(url, { signal: streams[0]!.signal.aborted ? undefined : streams[0]!.signal });
      again = r.status;
      if (r.status === 200) void r.body?.cancel();
    }
    assert.equal(again, 200, 'the place of the closed stream was given to a new one');
    streams[1]!.abort();
  });
});
