// Live progress over server-sent events, with a real worker process: a stream opened on a queued experiment
// delivers its state, worker progress reports, each epoch point, and the final state, then ends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { startProcess, stop, type Proc } from './helpers/stack.ts';

const SPEC = { dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 3, windowsPerEpoch: 8192, evalWindows: 500 } };

let app: FastifyInstance;
let base = '';
let worker: Proc | undefined;
const created: string[] = [];

before(async () => {
  app = await testApp('events-e2e');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  if (worker) await stop(worker);
  await app.db.experiment.deleteMany({ where: { id: { in: created } } });
  await closeTestApp(app);
});

interface SseEvent {
  event: string;
  data: any;
}

/** Reads a whole event stream (the server ends it) into its events. */
async function readStream(url: string, timeoutMs: number): Promise<SseEvent[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('event:'))
    .map((frame) => {
      const [e, d] = frame.split('\n');
      return { event: e!.slice('event: '.length), data: JSON.parse(d!.slice('data: '.length)) };
    });
}

async function submit(): Promise<string> {
  const res = await fetch(`${base}/v1/experiments?force=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...SPEC, name: 'events e2e' }),
  });
  assert.equal(res.status, 201);
  const { id } = (await res.json()) as { id: string };
  created.push(id);
  return id;
}

test('a stream follows an experiment from queued to succeeded: state, progress, epochs, end', async () => {
  const id = await submit();
  const streamed = readStream(`${base}/v1/experiments/${id}/events`, 240_000);
  // Progress after every step: the streams must show progress however fast these tiny runs train (at the
  // default 1 s, a run done within a second reports none: seen once the kernels got faster).
  worker = startProcess('worker', 'apps/worker/src/main.ts', {
    SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix!, LOG_LEVEL: 'info', WORKER_ID: 'events-worker', SLMLAB_PROGRESS_EVERY_MS: '0',
  });
  const events = await streamed;
  const kinds = events.map((e) => e.event);
  assert.equal(kinds[0], 'state');
  assert.equal(events[0]!.data.status, 'queued');
  assert.ok(kinds.includes('progress'), `at least one progress event (got ${kinds.join(',')})`);
  const progress = events.find((e) => e.event === 'progress')!.data;
  assert.equal(progress.experimentId, id);
  assert.equal(progress.totalSteps, 3 * (8192 / 64));
  assert.ok(progress.tokensPerSec > 0 && progress.etaSeconds >= 0 && Number.isFinite(progress.loss));
  assert.deepEqual(events.filter((e) => e.event === 'epoch').map((e) => e.data.epoch), [1, 2, 3]);
  assert.equal(kinds.at(-1), 'end', 'the last event is the final state');
  const end = events.at(-1)!.data;
  assert.equal(end.status, 'succeeded');
  const row = await app.db.experiment.findUniqueOrThrow({ where: { id } });
  assert.equal(end.result.testNll, row.testNll);
});

test('a stream of an ended experiment sends its final state and ends; an unknown one is 404', async () => {
  const id = created[0]!;
  const events = await readStream(`${base}/v1/experiments/${id}/events`, 30_000);
  assert.deepEqual(events.map((e) => e.event), ['epoch', 'epoch', 'epoch', 'end']);
  const missing = await fetch(`${base}/v1/experiments/${crypto.randomUUID()}/events`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'not_found');
});

test('a sweep stream reports its cells, their progress, and ends when every cell has ended', async () => {
  const res = await fetch(`${base}/v1/sweeps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'events e2e sweep', base: { ...SPEC, training: { ...SPEC.training, epochs: 2 } }, axes: {}, seeds: [11, 12] }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const sweep = (await res.json()) as { id: string };
  try {
    const events = await readStream(`${base}/v1/sweeps/${sweep.id}/events`, 240_000);
    const cells = events[0]!.data.cells.map((c: { experimentId: string }) => c.experimentId);
    created.push(...cells);
    assert.equal(events[0]!.event, 'sweep');
    assert.equal(cells.length, 2);
    const progress = events.filter((e) => e.event === 'progress');
    assert.ok(progress.length > 0, `progress events (got ${events.map((e) => e.event).join(',')})`);
    assert.ok(progress.every((p) => cells.includes(p.data.experimentId)));
    assert.equal(events.at(-1)!.event, 'end');
    assert.equal(events.at(-1)!.data.counts.succeeded, 2);
  } finally {
    await app.db.sweep.delete({ where: { id: sweep.id } });
  }
  const missing = await fetch(`${base}/v1/sweeps/${crypto.randomUUID()}/events`);
  assert.equal(missing.status, 404);
});
