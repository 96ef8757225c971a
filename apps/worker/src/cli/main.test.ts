// bin/slmlab as a user runs it: help on stdout, mistakes answered with what was meant, data found offline the
// way the demo finds it, and a missing data file answered with how to point at data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SHARED_DATA_DIR } from './run-options.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const TINY = ['--training.epochs=1', '--training.windowsPerEpoch=64', '--training.evalWindows=64', '--model.contextLength=8', '--backend=wasm'];

interface Ran { code: number; stdout: string; stderr: string }
function slmlab(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return promisify(execFile)(path.join(root, 'bin/slmlab'), args, { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test('every command\'s --help goes to stdout with exit 0', async () => {
  for (const command of ['train', 'eval', 'reproduce', 'presets', 'export', 'import']) {
    const r = await slmlab([command, '--help']);
    assert.deepEqual([r.code, r.stderr], [0, ''], command);
    assert.match(r.stdout, new RegExp(`^usage: slmlab ${command}`), command);
  }
  assert.equal((await slmlab(['help'])).code, 0);
});

test('mistakes exit 2 with what was meant: an unknown backend lists the choices, a misspelt option names the closest', async () => {
  const cases: [string[], RegExp][] = [
    [['train', 'paper/table-b/linear-t32', '--backend=gpu'], /^slmlab: unknown backend "gpu": choose one of auto \| tensorflow-gpu \| webgpu \| tensorflow \| wasm \| cpu$/m],
    [['train', 'paper/table-b/linear-t32', '--trainig.epochs=1'], /unknown spec field --trainig\.epochs \(did you mean --training\.epochs\?\)/],
    [['train', 'paper/table-b/linear-t32', '--epochs=1'], /unknown option --epochs \(did you mean --training\.epochs\?\)/],
    [['train', 'paper/table-b/linear-t32', '--no-downlaod'], /did you mean --no-download\?/],
    [['eval', 'best.ckpt', '--splt=valid'], /unknown option --splt \(did you mean --split\?\)/],
    [['eval', 'best.ckpt', '--backend=gpu'], /unknown backend "gpu": choose one of/],
    [['reproduce', 'paper', '--seed=3'], /did you mean --seeds\?/],
    [['presets', '--name'], /did you mean --names\?/],
    [['trian'], /unknown command "trian" \(did you mean train\?\)/],
  ];
  for (const [args, message] of cases) {
    const r = await slmlab(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /loaders\[name\]|unknown field/, args.join(' '));
  }
});

test('presets lists spec files only, each with its size', async () => {
  const names = (await slmlab(['presets', '--names'])).stdout.trim().split('\n');
  assert.equal(names.length, 20);
  assert.ok(!names.includes('paper/results'));
  const table = (await slmlab(['presets'])).stdout;
  assert.match(table, /paper\/table-b\/linear-t32\s+Table B: linear T=32\s+1\.9 M\s+≈ \d+–\d+ s/);
});

test('train works offline with no data settings, from ../shared/data beside the checkout, as the demo does', { skip: !existsSync(SHARED_DATA_DIR) && 'no ../shared/data here' }, async () => {
  const home = await mkdtemp(path.join(os.tmpdir(), 'slmlab-home-'));
  try {
    const { SLMLAB_DATA_DIR: _dir, ...env } = process.env;
    const out = path.join(home, 'result.json');
    // HOME is empty (no download cache) and downloads are off: only ../shared/data can hold the file.
    const r = await slmlab(['train', 'paper/table-b/linear-t32', ...TINY, `--out=${out}`], { ...env, HOME: home, SLMLAB_ALLOW_DOWNLOAD: 'false' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^estimate: 512 training tokens, ≈ .* on one CPU worker \(wasm; an estimate\)$/m);
    assert.match(r.stderr, /^test NLL \d\.\d{4} nats per token/m);
    assert.match(r.stderr, /ln 65 = 4\.17/);
    assert.match(r.stderr, /the study's closest row, paper\/table-b\/linear-t\d+ /);
    assert.equal(JSON.parse(await readFile(out, 'utf8')).spec.model.contextLength, 8);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('a data file that is not there: exit 1, saying where it looked and how to point at data', async () => {
  const empty = await mkdtemp(path.join(os.tmpdir(), 'slmlab-nodata-'));
  try {
    const r = await slmlab(['train', 'paper/table-b/linear-t32', ...TINY, `--data-dir=${empty}`, '--no-download']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`data directory: ${empty} \\(--data-dir\\)`));
    assert.match(r.stderr, /--data-dir=DIR or SLMLAB_DATA_DIR=DIR, a directory holding tinyshakespeare\/input\.txt; downloads are off/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
