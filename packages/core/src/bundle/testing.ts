// Bundles for tests (core's, the API's, the CLI's): a small experiment with checkpoints whose containers are real
// enough for decode.ts (magic, header, format, spec hash) and whose "tensors" are a few bytes of filler.
import { parseSpec, type ExperimentSpec } from '../spec.ts';
import { specHash } from '../spec-hash.ts';
import { SLMLAB_VERSION } from '../version.ts';
import { CHECKPOINT_MAGIC } from './format.ts';
import { STATE_CHECKPOINT_FORMAT, WEIGHTS_CHECKPOINT_FORMAT } from './checkpoint-peek.ts';
import type { BundleStatus } from './schema.ts';
import type { BundleContent } from './types.ts';

/** A checkpoint container (apps/worker/src/ml/checkpoint.ts's layout) holding `filler` bytes of data. */
export function fakeCheckpoint(format: string, meta: Record<string, unknown>, filler = 64): Uint8Array {
  const header = Buffer.from(JSON.stringify({ format, meta, tensors: [] }), 'utf8');
  const out = Buffer.alloc(12 + header.length + filler);
  out.write(CHECKPOINT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  for (let i = 0; i < filler; i++) out[12 + header.length + i] = (i * 37) & 0xff;
  return out;
}

export const TEST_SPEC: ExperimentSpec = parseSpec({
  name: 'bundle test',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 3, windowsPerEpoch: 640, evalWindows: 100 },
});

/** An experiment stopped after its first epoch (`status` says how), with its state and no best weights yet. */
export function testBundle(opts: { id?: string; status?: BundleStatus; spec?: ExperimentSpec } = {}): BundleContent<ExperimentSpec> {
  const spec = opts.spec ?? TEST_SPEC;
  const status = opts.status ?? 'cancelled';
  const ended = status !== 'queued' && status !== 'running';
  const state = fakeCheckpoint(STATE_CHECKPOINT_FORMAT, { specHash: specHash(spec), spec, counters: { step: 14 } }, 256);
  const checkpoints = [{ tag: 'latest', epoch: 1, step: 14, format: STATE_CHECKPOINT_FORMAT, createdAt: '2026-12-01T10:00:05.000Z', data: state }];
  if (status === 'succeeded') {
    checkpoints.push({ tag: 'best', epoch: 1, step: 14, format: WEIGHTS_CHECKPOINT_FORMAT, createdAt: '2026-12-01T10:00:06.000Z', data: fakeCheckpoint(WEIGHTS_CHECKPOINT_FORMAT, { spec }, 128) });
  }
  return {
    source: { deploymentId: 'laptop:slmlab:slmlab', exportedAt: '2026-12-01T11:00:00.000Z', slmlabVersion: SLMLAB_VERSION },
    experiment: {
      id: opts.id ?? 'b981ae13-5f7c-4d6a-9a51-2f1f5d3f0a11',
      specVersion: spec.specVersion,
      spec,
      status,
      attempts: 1,
      createdAt: '2026-12-01T10:00:00.000Z',
      startedAt: status === 'queued' ? null : '2026-12-01T10:00:01.000Z',
      finishedAt: ended ? '2026-12-01T10:00:07.000Z' : null,
      cancelRequestedAt: status === 'cancelled' ? '2026-12-01T10:00:06.500Z' : null,
      error: status === 'cancelled' ? 'cancelled on request while running' : null,
      result: {
        bestValNll: status === 'succeeded' ? 2.9 : null,
        bestEpoch: status === 'succeeded' ? 1 : null,
        testNll: status === 'succeeded' ? 2.95 : null,
        testNllAllTokens: null,
        backend: 'wasm',
        device: 'cpu (wasm, simd, 1 thread)',
        workerId: 'w1',
        wallSeconds: status === 'succeeded' ? 6 : null,
        tokensPerSec: status === 'succeeded' ? 1700 : null,
        gflops: status === 'succeeded' ? 1.5 : null,
        mfu: null,
      },
    },
    curve: [{ kind: 'epoch', epoch: 1, step: 14, tokens: 10240, seconds: 5, trainNll: 3.2, valNll: 2.9, valNllAllTokens: null }],
    checkpoints,
  };
}
