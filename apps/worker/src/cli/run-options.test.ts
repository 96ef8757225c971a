import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DATASETS } from '@slmlab/core';
import { locateFile } from '../ml/data/files.ts';
import { parseArgs, UsageError } from './args.ts';
import { backendOption, CACHE_DATA_DIR, dataOption, explainDataError, SHARED_DATA_DIR } from './run-options.ts';

const opts = (...argv: string[]) => parseArgs(argv).options;

test('--backend: one of the choices; anything else is refused with the list', () => {
  assert.equal(backendOption(opts('--backend=wasm'), {}), 'wasm');
  assert.equal(backendOption(opts(), { SLMLAB_BACKEND: 'cpu' }), 'cpu');
  assert.equal(backendOption(opts(), {}), 'auto');
  assert.throws(() => backendOption(opts('--backend=gpu'), {}), (err: Error) =>
    err instanceof UsageError && err.message === 'unknown backend "gpu": choose one of auto | tensorflow-gpu | webgpu | tensorflow | wasm | cpu');
  assert.throws(() => backendOption(opts('--backend'), {}), /--backend needs a value/);
  assert.throws(() => backendOption(opts(), { SLMLAB_BACKEND: 'gpu' }), /SLMLAB_BACKEND/);
});

test('data: --data-dir, else SLMLAB_DATA_DIR, else ../shared/data when it holds the set, else the cache', () => {
  assert.deepEqual(dataOption(opts('--data-dir=/d', '--no-download'), 'ptb', { SLMLAB_DATA_DIR: '/e' }), { dataDir: '/d', allowDownload: false, from: '--data-dir' });
  assert.equal(dataOption(opts(), 'ptb', { SLMLAB_DATA_DIR: '/e' }).dataDir, '/e');
  assert.equal(dataOption(opts(), 'ptb', { SLMLAB_ALLOW_DOWNLOAD: 'false' }).allowDownload, false);
  const fallback = dataOption(opts(), 'tinyshakespeare', {});
  const shared = existsSync(path.join(SHARED_DATA_DIR, DATASETS.tinyshakespeare.files.all.path));
  assert.equal(fallback.dataDir, shared ? SHARED_DATA_DIR : CACHE_DATA_DIR);
  assert.equal(fallback.allowDownload, true);
});

test('a missing data file: the message says where the CLI looked and how to point it at data', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-nodata-'));
  try {
    const where = dataOption(opts(`--data-dir=${dir}`, '--no-download'), 'tinyshakespeare', {});
    const err = await locateFile(DATASETS.tinyshakespeare.files.all, where).then(() => assert.fail('found a file in an empty dir'), (e: unknown) => e);
    const explained = explainDataError(err, 'tinyshakespeare', where) as Error;
    assert.match(explained.message, new RegExp(`data directory: ${dir} \\(--data-dir\\)`));
    assert.match(explained.message, /--data-dir=DIR or SLMLAB_DATA_DIR=DIR, a directory holding tinyshakespeare\/input\.txt/);
    assert.match(explained.message, /downloads are off/);
    const other = new Error('not about data');
    assert.equal(explainDataError(other, 'tinyshakespeare', where), other);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
