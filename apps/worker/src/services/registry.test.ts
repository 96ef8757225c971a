// The worker registry against the real Redis (a key prefix of this file's own) and, for a run, the real
// PostgreSQL: the entry's fields and TTL, currentJob while a run holds its claim, stopping, the clean stop's
// delete, a Redis restart that loses every key, and an unreachable Redis that only costs a warning. A killed worker's entry expiring is in
// test/workers.test.ts, with real worker processes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { estimateCost, parseSpec, redisOptions, specHash, workerKey, type WorkerEntry } from '@slmlab/core';
import { checkpointsRepo, createDb, experimentsRepo } from '@slmlab/db';
import { freePort } from '../../../../test/helpers/stack.ts';
import { startPrivateRedis } from '../../../../test/helpers/redis.ts';
import type { Trainer } from '../sandbox/trainer.ts';
import { runExperiment } from './run-experiment.ts';
import { TTL_INTERVALS, startRegistry, type WorkerFacts } from './registry.ts';

const prefix = `test-registry-${process.pid}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisOptions(redisUrl));
const db = createDb(process.env.DATABASE_URL!);
const silent = pino({ level: 'silent' });
/** Long enough that only the registry's immediate writes can explain a change seen within a test's wait. */
const SLOW_REFRESH_MS = 60_000;

after(async () => {
  redis.disconnect(); // each test's close() deleted its entry
  await db.$disconnect();
});

const facts = (id: string): WorkerFacts => ({ id, backend: 'wasm', device: 'cpu (wasm, simd, 1 thread)', threads: 1, peakGflops: 31.4 });

async function read(id: string): Promise<WorkerEntry | null> {
  const value = await redis.get(workerKey(prefix, id));
  return value === null ? null : (JSON.parse(value) as WorkerEntry);
}

/** Polls the entry until `ok` holds; fails after `ms`. */
async function until(id: string, ok: (e: WorkerEntry | null) => boolean, ms = 3000): Promise<WorkerEntry | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = await read(id);
    if (ok(e)) return e;
    if (Date.now() > deadline) assert.fail(`entry of ${id} never matched; last: ${JSON.stringify(e)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isoNear = (iso: string, from: number, to: number) => {
  const t = Date.parse(iso);
  return new Date(t).toISOString() === iso && t >= from && t <= to;
};

test('a worker registers with its facts, idle, under a TTL of three refreshes, and refreshes seenAt', async () => {
  const before = Date.now();
  const registry = startRegistry(facts('reg-fields'), { redisUrl, prefix, refreshMs: 300, log: silent });
  try {
    const first = (await until('reg-fields', (e) => e !== null))!;
    const { startedAt, seenAt, ...rest } = first;
    assert.deepEqual(rest, {
      id: 'reg-fields', backend: 'wasm', device: 'cpu (wasm, simd, 1 thread)', threads: 1, peakGflops: 31.4,
      host: os.hostname(), pid: process.pid, state: 'idle', currentJob: null,
    });
    assert.ok(isoNear(startedAt, before, Date.now()), startedAt);
    assert.ok(isoNear(seenAt, Date.parse(startedAt), Date.now()), seenAt);
    const ttl = await redis.pttl(workerKey(prefix, 'reg-fields'));
    assert.ok(ttl > 0 && ttl <= 300 * TTL_INTERVALS, `PTTL ${ttl}`);
    const later = (await until('reg-fields', (e) => e !== null && e.seenAt > seenAt))!;
    assert.equal(later.startedAt, startedAt, 'a refresh keeps startedAt');
  } finally {
    await registry.close();
  }
});

test('currentJob is set while a run holds its claim and cleared, at once, when it ends', async () => {
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 } });
  const id = randomUUID();
  await experimentsRepo(db).create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
  const registry = startRegistry(facts('reg-run'), { redisUrl, prefix, refreshMs: SLOW_REFRESH_MS, log: silent });
  // Trains until stopped, as the real trainer does when its signal aborts.
  const trainer: Trainer = (_input, _events, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  const stop = new AbortController();
  try {
    await until('reg-run', (e) => e?.state === 'idle');
    const claimedFrom = Date.now();
    const run = runExperiment(
      {
        experiments: experimentsRepo(db), checkpoints: checkpointsRepo(db), trainer, activity: registry,
        backend: { name: 'wasm', device: 'cpu (test)', gpu: false, threads: 1, skipped: [] }, peakGflops: 1, workerId: 'reg-run',
        data: { dataDir: '/nonexistent', allowDownload: false }, checkpointEvery: { steps: 0, seconds: 0 }, heartbeatTimeoutS: 60, log: silent,
      },
      { experimentId: id, spec, attempt: 1, lastAttempt: true, progress: () => undefined },
      stop.signal,
    );
    const busy = (await until('reg-run', (e) => e?.state === 'busy'))!;
    assert.equal(busy.currentJob?.experimentId, id);
    assert.ok(isoNear(busy.currentJob!.since, claimedFrom, Date.now()), busy.currentJob!.since);
    assert.equal((await db.experiment.findUniqueOrThrow({ where: { id } })).status, 'running');
    stop.abort('cancelled on request');
    assert.deepEqual(await run, { kind: 'cancelled' });
    const idle = (await until('reg-run', (e) => e?.state === 'idle'))!;
    assert.equal(idle.currentJob, null);
  } finally {
    await registry.close();
    await db.experiment.delete({ where: { id } });
  }
});

test('a stopping worker says so at once, and stays stopping when its job ends', async () => {
  const registry = startRegistry(facts('reg-stop'), { redisUrl, prefix, refreshMs: SLOW_REFRESH_MS, log: silent });
  const id = randomUUID();
  try {
    await until('reg-stop', (e) => e?.state === 'idle');
    registry.started(id);
    await until('reg-stop', (e) => e?.state === 'busy' && e.currentJob?.experimentId === id);
    registry.stopping();
    const stopping = (await until('reg-stop', (e) => e?.state === 'stopping'))!;
    assert.equal(stopping.currentJob?.experimentId, id, 'the job it checkpoints is still shown');
    registry.ended(id);
    const ended = (await until('reg-stop', (e) => e?.currentJob === null))!;
    assert.equal(ended.state, 'stopping');
  } finally {
    await registry.close();
  }
});

test('a clean stop deletes the entry at once, and a job ending afterwards does not bring it back', async () => {
  const registry = startRegistry(facts('reg-close'), { redisUrl, prefix, refreshMs: SLOW_REFRESH_MS, log: silent });
  await until('reg-close', (e) => e !== null);
  registry.started('4d7a0a52-0f55-4d8e-9d1e-2a8f8f0c1e11');
  await registry.close();
  assert.equal(await redis.exists(workerKey(prefix, 'reg-close')), 0);
  registry.ended('4d7a0a52-0f55-4d8e-9d1e-2a8f8f0c1e11');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await redis.exists(workerKey(prefix, 'reg-close')), 0);
});

test('with Redis unreachable every call still returns, and the outage is one warning, not one per attempt', async () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => done(void lines.push(JSON.parse(String(chunk)))) });
  const log = pino({ level: 'warn' }, sink);
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  const registry = startRegistry(facts('reg-down'), { redisUrl: 'redis://127.0.0.1:1', prefix, refreshMs: 100, log });
  registry.started('4d7a0a52-0f55-4d8e-9d1e-2a8f8f0c1e12');
  registry.stopping();
  registry.ended('4d7a0a52-0f55-4d8e-9d1e-2a8f8f0c1e12');
  await new Promise((r) => setTimeout(r, 1500)); // several reconnection attempts and refresh ticks
  await registry.close();
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[40, 'worker registry: redis error (reconnecting)']]);
});

test('after a Redis restart that lost every key, the entry is back as soon as the worker reconnects', async () => {
  const server = await startPrivateRedis(await freePort());
  const own = new Redis(redisOptions(server.url));
  own.on('error', () => undefined); // the restart drops this connection too; ioredis reconnects
  const registry = startRegistry(facts('reg-restart'), { redisUrl: server.url, prefix, refreshMs: SLOW_REFRESH_MS, log: silent });
  const present = async () => (await own.exists(workerKey(prefix, 'reg-restart')).catch(() => 0)) === 1;
  const within = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (await present()) return true;
    return false;
  };
  try {
    assert.ok(await within(3000), 'registered');
    await server.restart();
    // Far sooner than the next refresh (a minute away): the reconnection itself rewrites the entry.
    assert.ok(await within(10_000), 'registered again after the restart');
  } finally {
    await registry.close();
    own.disconnect();
    await server.close();
  }
});
