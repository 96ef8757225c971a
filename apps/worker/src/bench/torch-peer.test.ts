// The PyTorch peer builds the very models slmlab does: given slmlab's weights it computes slmlab's loss, and
// its parameter count equals the cost model's, for every model bench:train measures (skipped where python
// cannot import torch); a missing python or torch is reported, not thrown. Nothing here is timed.
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { countParams } from '@slmlab/core';
import { MODELS, VOCAB, specOf } from './bench-models.ts';
import { tf } from '../ml/tf.ts';
import { testBackend } from '../ml/test-backend.ts';
import { buildModel } from '../ml/models/index.ts';
import { createRng } from '../ml/rng.ts';
import { randomBatch } from '../ml/data/windows.ts';
import { batchNll } from '../ml/loss.ts';
import { tokenTensor } from '../ml/kernels/embedding.ts';
import { TorchPeer, unfairPeerWarning, type PeerInfo } from './torch-peer.ts';
import { usePrunedLastBlock } from '../ml/models/transformer.ts';

const python = process.env.BENCH_PYTHON || '/usr/bin/python3';

test('a python that does not exist is a missing peer, with the reason', async () => {
  const started = await TorchPeer.start('/nonexistent/python3');
  assert.ok('missing' in started, 'no peer');
  assert.match(started.missing, /\/nonexistent\/python3 cannot run the peer with torch \(.*ENOENT/);
});

for (const prune of [true, false]) {
  test(`the peer computes slmlab's function: same weights, same batch, same eval-mode loss on every bench model (last block ${prune ? 'pruned' : 'in full'} on both sides)`, async (t) => {
    const started = await TorchPeer.start(python, { prune });
    if ('missing' in started) return t.skip(started.missing);
    await testBackend();
    usePrunedLastBlock(prune);
    const B = 4;
    try {
      for (const m of MODELS) {
        const spec = specOf(m, true); // T=16, d=32: every kind, block, position and objective, small weights
        const T = spec.model.contextLength;
        const model = buildModel(spec, VOCAB, createRng(1), createRng(2));
        const tokens = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919 + ((i * i) % 13)) % VOCAB);
        const batch = randomBatch(tokens, T, B, createRng(3), spec.training.objective === 'all-tokens' ? 'all' : 'last');
        const ours = tf.tidy(() => batchNll(model.logits(tokenTensor(batch.x, B, T), false), batch.y).dataSync()[0]!);
        const weights = Object.fromEntries([...model.params.vars].map(([name, v]): [string, [number[], number[]]] => [name, [v.shape, [...v.dataSync()]]]));
        model.params.dispose();
        const theirs = await started.peer.loss(spec, VOCAB, weights, batch.x, batch.y);
        assert.ok(Math.abs(ours - theirs) < 1e-4, `${m.label}: slmlab ${ours}, peer ${theirs}`);
      }
    } finally {
      usePrunedLastBlock(true);
      started.peer.close();
    }
  });
}

test("the peer's parameter counts equal the cost model's on every bench model", async (t) => {
  const started = await TorchPeer.start(python);
  if ('missing' in started) return t.skip(started.missing);
  try {
    for (const m of MODELS) {
      const spec = specOf(m);
      assert.equal(await started.peer.count(spec, VOCAB), countParams(spec.model, VOCAB), m.label);
    }
    await assert.rejects(started.peer.count({ ...specOf(MODELS[0]!), model: { kind: 'gru' } } as never, VOCAB), /unknown model kind gru/);
  } finally {
    started.peer.close();
  }
});

test('a python without torch is a missing peer, with the import error', { skip: !existsSync(python) && `no ${python}` }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slmlab-peer-'));
  const wrapper = path.join(dir, 'python-without-site');
  await writeFile(wrapper, `#!/bin/sh\nexec ${python} -S "$@"\n`, { mode: 0o755 }); // -S: no site-packages, so no torch
  try {
    const started = await TorchPeer.start(wrapper);
    assert.ok('missing' in started, 'no peer');
    assert.match(started.missing, /No module named 'torch'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a peer on the reference BLAS, or with a slow sgemm, is called unfair', () => {
  const info: PeerInfo = { torch: '1.13', blas: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so', openblas: true, ompWaitPolicy: 'PASSIVE', cores: 2 };
  assert.equal(unfairPeerWarning(info, 90), undefined);
  assert.match(unfairPeerWarning(info, 11)!, /unfair \(its 1-thread 1024² sgemm runs at 11\.0 GFLOP\/s\): install libopenblas0-pthread/);
  assert.match(unfairPeerWarning({ ...info, blas: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3', openblas: false }, 90)!, /torch runs on .*blas\/libblas\.so\.3, not OpenBLAS/);
});
