// `npm run bench:sweep`: experiments per hour for one small sweep (8 experiments) with 1, 2 and N worker
// processes (N = CPU count), each run through the real API, Redis queue, workers and PostgreSQL.
// Prints a table with the speed-up over 1 worker, measured in the same run, and writes JSON to bench-results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import Type from 'typebox';
import { CommonEnv, EXPERIMENT_QUEUE, parseEnv, redisOptions } from '@slmlab/core';
import { migrate } from '@slmlab/db';
import { freePort, startProcess, stop, waitFor, type Proc } from '../test/helpers/stack.ts';

const SWEEP = [16, 32].flatMap((T) =>
  [1, 2, 3, 4].map((seed) => ({
    name: `bench-sweep T=${T} seed=${seed}`,
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: T },
    training: { epochs: 1, windowsPerEpoch: Number(process.env.BENCH_WINDOWS ?? 6000), evalWindows: 1000, seed },
  })),
);

// Parsed as the apps parse them (CommonEnv's defaults, those of `npm run demo`, which migrates that database);
// the processes it starts read them from the environment.
const { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl } = parseEnv(Type.Object({ REDIS_URL: CommonEnv.REDIS_URL, DATABASE_URL: CommonEnv.DATABASE_URL }));
process.env.DATABASE_URL = databaseUrl;
if (!process.env.SLMLAB_DATA_DIR && existsSync('../shared/data/tinyshakespeare/input.txt')) {
  process.env.SLMLAB_DATA_DIR = path.resolve('../shared/data');
}

async function runSweep(workers: number): Promise<number> {
  const prefix = `bench-sweep-${process.pid}-${workers}`;
  const port = await freePort();
  const env = { PORT: String(port), SLMLAB_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
  const procs: Proc[] = [startProcess('api', 'apps/api/src/server.ts', env)];
  for (let i = 0; i < workers; i++) procs.push(startProcess(`worker-${i}`, 'apps/worker/src/main.ts', { ...env, WORKER_ID: `bench-${i}` }));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the API', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 60_000, procs);
    for (const w of procs.slice(1)) await waitFor(`${w.name}`, async () => (w.output().includes('waiting for jobs') ? true : undefined), 180_000, [w]);
    const t0 = performance.now();
    const ids: string[] = [];
    for (const spec of SWEEP) {
      const res = await fetch(`${base}/v1/experiments?force=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
      if (res.status !== 201) throw new Error(`submission refused: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await waitFor('the sweep to finish', async () => {
      const states = await Promise.all(ids.map(async (id) => ((await (await fetch(`${base}/v1/experiments/${id}`)).json()) as { status: string }).status));
      if (states.includes('failed')) throw new Error(`an experiment failed: ${states}`);
      return states.every((s) => s === 'succeeded') ? true : undefined;
    }, 30 * 60_000, procs);
    return (performance.now() - t0) / 1000;
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
    const queue = new Queue(EXPERIMENT_QUEUE, { connection: redisOptions(redisUrl), prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

await migrate(databaseUrl, 'prisma/migrations');
const counts = [...new Set([1, 2, os.cpus().length])];
const rows: { workers: number; seconds: number; perHour: number }[] = [];
for (const workers of counts) {
  const seconds = await runSweep(workers);
  rows.push({ workers, seconds, perHour: (SWEEP.length * 3600) / seconds });
  console.error(`${workers} worker(s): ${SWEEP.length} experiments in ${seconds.toFixed(1)} s`);
}
console.log(`\n${SWEEP.length}-experiment sweep (linear, T=16/32 × 4 seeds, 1 epoch of ${SWEEP[0]!.training.windowsPerEpoch} windows) on ${os.cpus().length} CPUs`);
console.log('| worker processes | wall time | experiments/hour | speed-up over 1 |');
console.log('|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.workers} | ${r.seconds.toFixed(1)} s | ${Math.round(r.perHour)} | ${(rows[0]!.seconds / r.seconds).toFixed(2)}× |`);
}
await mkdir('bench-results', { recursive: true });
const file = `bench-results/sweep-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
await writeFile(file, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, sweep: SWEEP, rows }, null, 2));
console.log(`\nwritten to ${file}`);
process.exit(0);
