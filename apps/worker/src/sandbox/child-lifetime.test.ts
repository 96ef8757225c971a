// A training child process lives exactly as long as its job: gone when the job ends (its memory with it), and
// gone when its parent dies, however it dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { parseSpec } from '@slmlab/core';
import { processTrainer } from './trainer.ts';
import { isAlive } from '../../../../test/helpers/stack.ts';

/** Live training child processes of `pid`, from /proc (field 4 of /proc/<pid>/stat is the parent). Only the
 *  sandbox's own children count: a parent started through tsx may also have esbuild's service process. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('/sandbox/child.ts')) kids.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return kids;
}


async function until(what: string, ok: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the training process is gone once its job has ended', async () => {
  const spec = parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind: 'linear', contextLength: 16 },
    training: { epochs: 1, windowsPerEpoch: 256, evalWindows: 64, seed: 1 },
  });
  const before = childrenOf(process.pid);
  let during: number[] = [];
  const events = {
    epoch: async () => void (during = childrenOf(process.pid).filter((p) => !before.includes(p))),
    progress: () => {},
    checkpoint: async () => {},
    resumed: () => {},
  };
  const data = { dataDir: process.env.SLMLAB_DATA_DIR!, allowDownload: false };
  await processTrainer('wasm')({ experimentId: 'lifetime', spec, data, checkpointEvery: { steps: 0, seconds: 0 } }, events, new AbortController().signal);
  assert.equal(during.length, 1, 'one child process trained the job');
  await until('the training process to exit', () => !isAlive(during[0]!) || !childrenOf(process.pid).includes(during[0]!), 5000);
});

test('the training process exits when its parent is killed', async () => {
  const parent = spawn(process.execPath, ['--import', 'tsx', new URL('./testing/orphan-parent.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  let kids: number[] = [];
  try {
    let out = '';
    parent.stdout!.on('data', (b: Buffer) => void (out += b.toString()));
    await Promise.race([
      until('the job to train', () => out.includes('training'), 60_000),
      once(parent, 'exit').then(([code]) => assert.fail(`the parent exited (${code}) before training: ${out}`)),
    ]);
    kids = childrenOf(parent.pid!);
    assert.equal(kids.length, 1, `the parent has one training process (found ${kids.join(', ') || 'none'})`);
    parent.kill('SIGKILL');
    await until('the orphaned training process to exit', () => !isAlive(kids[0]!), 10_000);
  } finally {
    parent.kill('SIGKILL');
    for (const k of kids) if (isAlive(k)) process.kill(k, 'SIGKILL'); // a failed run leaves nothing behind
  }
});
