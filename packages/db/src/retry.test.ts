// A brief PostgreSQL outage, made real with a TCP proxy in front of the server that stops accepting and drops
// its connections: writes through withRetries wait it out; errors that are not outages are not retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { estimateCost, parseSpec, specHash, withRetries } from '@slmlab/core';
import { createDb, type Db } from './client.ts';
import { experimentsRepo } from './experiments.ts';

const target = new URL(process.env.DATABASE_URL!);
let proxy: Server | undefined;
let port = 0;
const sockets = new Set<Socket>();

function openProxy(): Promise<void> {
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => proxy!.listen(port, '127.0.0.1', () => {
    port = (proxy!.address() as { port: number }).port;
    resolve();
  }));
}

async function closeProxy() {
  const closed = new Promise((r) => proxy!.close(r));
  for (const s of sockets) s.destroy();
  await closed;
}

const direct = createDb(process.env.DATABASE_URL!);
let viaProxy: Db;
const id = randomUUID();

before(async () => {
  await openProxy();
  const url = new URL(target);
  url.port = String(port);
  viaProxy = createDb(url.toString());
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 } });
  await experimentsRepo(direct).create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false });
});

after(async () => {
  await direct.experiment.deleteMany({ where: { id } });
  await Promise.all([direct.$disconnect(), viaProxy.$disconnect()]);
  await closeProxy().catch(() => undefined);
});

test('a write during a 1.5 s database outage succeeds once the database is back', async () => {
  const retries: number[] = [];
  const repo = withRetries(experimentsRepo(viaProxy), { baseDelayMs: 200, attempts: 8, onRetry: (_e, n) => retries.push(n) });
  await repo.get(id); // a pooled connection exists, and is then cut
  await closeProxy();
  const write = repo.recordEpoch(id, { epoch: 1, step: 10, tokens: 80, seconds: 1, trainNll: 3, valNll: 2.9 });
  await new Promise((r) => setTimeout(r, 1500));
  await openProxy();
  await write;
  assert.ok(retries.length >= 1, 'the write was retried');
  const points = await experimentsRepo(direct).metrics(id);
  assert.deepEqual(points.map((p) => [p.epoch, p.valNll]), [[1, 2.9]]);
});

test('an error that is not an outage is not retried', async () => {
  const retries: number[] = [];
  const repo = withRetries(experimentsRepo(viaProxy), { baseDelayMs: 10, onRetry: (_e, n) => retries.push(n) });
  const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 8 } });
  await assert.rejects(repo.create(id, spec, estimateCost(spec), { specHash: specHash(spec), dedup: false })); // duplicate primary key
  assert.deepEqual(retries, []);
});
