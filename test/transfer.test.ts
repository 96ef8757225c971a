// Moving an unfinished run between deployments, end to end: deployment 1 (this file's database, Redis db 0, its
// own queue prefix, an API and a worker) trains an experiment and it is cancelled in its second epoch, leaving a
// training state; `bin/slmlab export` writes it to a file and `bin/slmlab import` hands it to deployment 2 (a
// database of its own, Redis db 6, another prefix, its own API and worker). There it resumes from exactly that
// state — not from scratch, which with the same seed would also end where an uninterrupted run ends — and ends
// bit-identical to the same spec trained without a stop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { decodeBundle, importPlan } from '@slmlab/core';
import { closeTestApp, testApp } from '../apps/api/src/testing.ts';
import { privateDatabase, type PrivateDatabase } from './helpers/db.ts';
import { repoRoot, startProcess, stop, waitFor, type Proc } from './helpers/stack.ts';

// About ten seconds of training (3 epochs × 32 steps), dropout on: its RNG must come back too (test/resume.test.ts).
const SPEC = {
  dataset: 'tinyshakespeare',
  model: { kind: 'attention', contextLength: 32, dModel: 64, heads: 4, ffnHidden: 128, dropout: 0.1 },
  training: { epochs: 3, windowsPerEpoch: 2048, batchSize: 64, evalWindows: 1000, seed: 11 },
};
const STEPS_PER_EPOCH = 32;
const REDIS_DB_2 = 'redis://127.0.0.1:6379/6';

interface Deployment {
  app: FastifyInstance;
  base: string;
  worker: Proc;
}

let one: Deployment;
let two: Deployment;
let database2: PrivateDatabase;
let dir = '';
const run = promisify(execFile);

async function deployment(prefix: string, workerId: string, env: Record<string, string> = {}): Promise<Deployment> {
  const app = await testApp(prefix, env);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const worker = startProcess(workerId, 'apps/worker/src/main.ts', { ...env, SLMLAB_QUEUE_PREFIX: app.queue.opts.prefix!, LOG_LEVEL: 'info', WORKER_ID: workerId });
  return { app, base, worker };
}

before(async () => {
  const template = new URL(process.env.SLMLAB_TEST_TEMPLATE_DATABASE_URL ?? process.env.DATABASE_URL!).pathname.slice(1);
  database2 = await privateDatabase(`${template}_transfer_d2`.slice(0, 63));
  one = await deployment('transfer-d1', 'transfer-w1');
  two = await deployment('transfer-d2', 'transfer-w2', { DATABASE_URL: database2.url, REDIS_URL: REDIS_DB_2 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-transfer-'));
  for (const d of [one, two]) await waitFor('a worker to take jobs', async () => (d.worker.output().includes('waiting for jobs') ? true : undefined), 180_000, [d.worker]);
});

after(async () => {
  const codes = [await stop(one.worker), await stop(two.worker)];
  await closeTestApp(one.app);
  await closeTestApp(two.app);
  await database2.drop();
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(codes, [0, 0], 'both workers stop cleanly');
});

async function submit(d: Deployment, name: string): Promise<string> {
  const res = await d.app.inject({ method: 'POST', url: '/v1/experiments?force=true', payload: { ...SPEC, name } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

const row = (d: Deployment, id: string) => d.app.db.experiment.findUniqueOrThrow({ where: { id } });

async function ended(d: Deployment, id: string, status: 'succeeded' | 'cancelled') {
  return waitFor(`experiment ${id} to be ${status}`, async () => {
    const r = await row(d, id);
    if (r.status !== status && ['succeeded', 'failed', 'cancelled'].includes(r.status)) throw new Error(`ended ${r.status}: ${r.error}`);
    return r.status === status ? r : undefined;
  }, 300_000, [d.worker]);
}

const curve = (d: Deployment, id: string) =>
  d.app.db.metricPoint.findMany({ where: { experimentId: id }, orderBy: { step: 'asc' }, select: { epoch: true, step: true, tokens: true, trainNll: true, valNll: true } });

/** The worker's JSON log lines about `id` with this message. */
function logLines(w: Proc, id: string, msg: string): Record<string, any>[] {
  return w.output().split('\n').filter((l) => l.includes(id) && l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l));
}

function slmlab(args: string[]) {
  return run(path.join(repoRoot, 'bin/slmlab'), args, { cwd: repoRoot, timeout: 120_000 }).catch((err: { stderr: string; code: number }) => {
    throw new Error(`bin/slmlab ${args.join(' ')} exited ${err.code}:\n${err.stderr}`);
  });
}

test('a run cancelled in deployment 1, exported and imported into deployment 2, resumes there exactly', async () => {
  // Deployment 1: cancelled once its first epoch is recorded, so its state is mid-epoch 2 (the stop checkpoint).
  const id = await submit(one, 'transfer e2e: moved');
  await waitFor('the first epoch', async () => ((await curve(one, id)).length >= 1 ? true : undefined), 300_000, [one.worker]);
  assert.equal((await one.app.inject({ method: 'POST', url: `/v1/experiments/${id}/cancel` })).statusCode, 202);
  await ended(one, id, 'cancelled');
  const reference = await submit(one, 'transfer e2e: uninterrupted'); // trains in deployment 1 meanwhile

  // Out through the CLI, and in.
  const exported = await slmlab(['export', id, '--out', `${dir}/`, '--api', one.base]);
  const file = exported.stdout.trim();
  assert.equal(file, path.join(dir, `${id}.slmlab-bundle`));
  assert.match(exported.stderr, new RegExp(`exported experiment ${id} "transfer e2e: moved" \\(cancelled; \\d curve points; checkpoints: latest at step \\d+\\)`));
  const bundle = decodeBundle(await readFile(file));
  const plan = importPlan(bundle);
  const stateStep = plan.resumeFrom?.step ?? -1;
  const epochsDone = plan.resumeFrom?.epoch ?? -1;
  assert.ok(plan.resumes && stateStep >= STEPS_PER_EPOCH && stateStep < 3 * STEPS_PER_EPOCH && epochsDone >= 1, `a state after epoch 1, before the end (step ${stateStep})`);
  const imported = await slmlab(['import', file, '--api', two.base]);
  assert.equal(imported.stdout.trim(), id);
  assert.match(imported.stderr, new RegExp(`imported ${id}, queued: a worker there resumes it from step ${stateStep} \\(epoch ${epochsDone} done\\)`));

  // Deployment 2 resumes it from that very state, and it ends as the uninterrupted run does, to the bit.
  const [moved, uninterrupted] = [await ended(two, id, 'succeeded'), await ended(one, reference, 'succeeded')];
  const resumed = logLines(two.worker, id, 'resuming from checkpoint');
  assert.equal(resumed.length, 1, `deployment 2's worker resumed it once (log:\n${two.worker.output().slice(-3000)})`);
  assert.equal(resumed[0]!.step, stateStep, 'from the bundle\'s state, not from scratch');
  const ownEpochs = [1, 2, 3].filter((e) => e > epochsDone);
  assert.deepEqual(logLines(two.worker, id, 'epoch done').map((l) => l.epoch), ownEpochs, 'it trained only the epochs the state had not done');
  assert.equal(logLines(two.worker, id, 'training succeeded')[0]!.resumedFromStep, stateStep);
  assert.deepEqual([moved.attempts, moved.workerId], [1, 'transfer-w2'], 'a run of deployment 2, its bookkeeping afresh');
  assert.equal(moved.testNll, uninterrupted.testNll);
  assert.equal(moved.bestValNll, uninterrupted.bestValNll);
  assert.equal(moved.bestEpoch, uninterrupted.bestEpoch);
  const [a, b] = [await curve(two, id), await curve(one, reference)];
  assert.equal(a.length, 3, 'one point per epoch: those imported and those of its own');
  assert.deepEqual(a, b);
  assert.equal((await row(one, id)).status, 'cancelled', 'the export left deployment 1 as it was');
  assert.equal(logLines(one.worker, id, 'resuming from checkpoint').length, 0);
});
