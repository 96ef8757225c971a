// The bundle codec: a round trip gives back what went in, and every kind of damage is refused with an
// InvalidBundleError whose path names the damaged part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { InvalidBundleError } from '../errors.ts';
import { specHash } from '../spec-hash.ts';
import { parseSpec } from '../spec.ts';
import { STATE_CHECKPOINT_FORMAT, WEIGHTS_CHECKPOINT_FORMAT } from './checkpoint-peek.ts';
import { decodeBundle } from './decode.ts';
import { encodeBundle } from './encode.ts';
import { BUNDLE_MAGIC, PREAMBLE_BYTES } from './format.ts';
import { importPlan } from './plan.ts';
import { fakeCheckpoint, testBundle, TEST_SPEC } from './testing.ts';
import type { BundleStatus } from './schema.ts';
import type { BundleContent } from './types.ts';

/** Asserts that decoding `bytes` fails with an issue at `path` whose message matches `message`. */
function refused(bytes: Uint8Array, path: string, message: RegExp) {
  assert.throws(() => decodeBundle(bytes), (err: unknown) => {
    assert.ok(err instanceof InvalidBundleError, `an InvalidBundleError, not ${String(err)}`);
    assert.equal(err.code, 'invalid_bundle');
    assert.ok(err.issues.some((i) => i.path === path && message.test(i.message)), `an issue at ${path} matching ${message}: ${JSON.stringify(err.issues)}`);
    return true;
  });
}

/** The bundle's header as JSON, changed by `edit`, re-encoded with a consistent preamble (a bundle someone wrote). */
function withHeader(content: BundleContent, edit: (header: any) => void): Buffer {
  const bytes = encodeBundle(content);
  const length = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + length).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.from(bytes.subarray(0, PREAMBLE_BYTES));
  preamble.writeUInt32LE(json.length, 12);
  createHash('sha256').update(json).digest().copy(preamble, 16);
  return Buffer.concat([preamble, json, bytes.subarray(PREAMBLE_BYTES + length)]);
}

const headerEnd = (bytes: Buffer) => PREAMBLE_BYTES + bytes.readUInt32LE(12);

test('a round trip gives back the experiment, its curve and its checkpoints byte for byte', () => {
  const content = testBundle({ status: 'succeeded' });
  const bytes = encodeBundle(content);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), BUNDLE_MAGIC);
  const decoded = decodeBundle(bytes);
  assert.deepEqual(decoded.source, content.source);
  assert.deepEqual(decoded.experiment, content.experiment);
  assert.deepEqual(decoded.curve, content.curve);
  assert.equal(decoded.checkpoints.length, 2);
  decoded.checkpoints.forEach((c, i) => {
    const { data, ...meta } = content.checkpoints[i]!;
    assert.deepEqual({ ...c, data: undefined }, { ...meta, data: undefined });
    assert.ok(Buffer.from(c.data).equals(Buffer.from(data)), `checkpoint ${i}'s bytes`);
  });
});

test('the spec comes back through parseSpec: a v1 spec written without defaults is resolved', () => {
  const spec = { specVersion: 1, dataset: 'tinyshakespeare', model: { kind: 'linear', contextLength: 16 }, training: { epochs: 3, windowsPerEpoch: 640, evalWindows: 100 }, name: 'bundle test' };
  const content = { ...testBundle(), experiment: { ...testBundle().experiment, spec } };
  assert.deepEqual(decodeBundle(encodeBundle(content)).experiment.spec, TEST_SPEC);
});

test('not a bundle: empty, another file, a checkpoint file', () => {
  refused(Buffer.alloc(0), '/magic', /empty/);
  refused(Buffer.from('{"dataset":"tinyshakespeare"}'), '/magic', /not an experiment bundle: it starts with "\{\\"datase"/);
  refused(fakeCheckpoint(WEIGHTS_CHECKPOINT_FORMAT, {}), '/magic', /a checkpoint file, not an experiment bundle/);
});

test('truncated anywhere: the part it ends in is named', () => {
  const bytes = encodeBundle(testBundle({ status: 'succeeded' }));
  refused(bytes.subarray(0, 5), '/magic', /truncated: 5 bytes/);
  refused(bytes.subarray(0, 10), '/version', /truncated/);
  refused(bytes.subarray(0, 30), '/headerSha256', /truncated/);
  refused(bytes.subarray(0, PREAMBLE_BYTES + 10), '/headerLength', /truncated: the header is \d+ bytes, the file holds 10/);
  const end = headerEnd(bytes);
  const state = testBundle({ status: 'succeeded' }).checkpoints[0]!.data.byteLength;
  refused(bytes.subarray(0, end + 100), '/header/checkpoints/0/bytes', /truncated: the file ends 100 bytes into checkpoint 0 \(latest/);
  refused(bytes.subarray(0, end + state + 1), '/header/checkpoints/1/bytes', /truncated: the file ends 1 bytes into checkpoint 1 \(best/);
  refused(bytes.subarray(0, bytes.length - 1), '/header/checkpoints/1/bytes', /truncated/);
  refused(Buffer.concat([bytes, Buffer.from('x')]), '/', /1 bytes follow the last checkpoint/);
});

test('a newer or unknown version is refused by name', () => {
  const bytes = encodeBundle(testBundle());
  const newer = Buffer.from(bytes);
  newer.writeUInt32LE(2, 8);
  refused(newer, '/version', /bundle version 2 is newer than this slmlab reads \(1\)/);
  const zero = Buffer.from(bytes);
  zero.writeUInt32LE(0, 8);
  refused(zero, '/version', /version 0 does not exist/);
});

test('a flipped byte is found by its hash: in the header, in each checkpoint', () => {
  const bytes = encodeBundle(testBundle({ status: 'succeeded' }));
  const inHeader = Buffer.from(bytes);
  inHeader[PREAMBLE_BYTES + 20]! ^= 0x01;
  refused(inHeader, '/headerSha256', /hash mismatch: the header hashes to [0-9a-f]{64}, the preamble says/);
  const inState = Buffer.from(bytes);
  inState[headerEnd(bytes) + 200]! ^= 0x01;
  refused(inState, '/header/checkpoints/0/sha256', /hash mismatch: checkpoint 0 \(latest\) hashes to/);
  const inBest = Buffer.from(bytes);
  inBest[bytes.length - 1]! ^= 0x80;
  refused(inBest, '/header/checkpoints/1/sha256', /hash mismatch: checkpoint 1 \(best\)/);
});

test('a header that is not JSON, nested too deep, or of the wrong shape names its fields', () => {
  const content = testBundle();
  const notJson = withHeader(content, () => undefined);
  // Replace the header by text of the same length that is not JSON, with a hash that matches it.
  const length = notJson.readUInt32LE(12);
  const garbage = Buffer.alloc(length, 'x');
  createHash('sha256').update(garbage).digest().copy(notJson, 16);
  garbage.copy(notJson, PREAMBLE_BYTES);
  refused(notJson, '/header', /the header is not JSON/);
  refused(withHeader(content, (h) => { h.experiment.spec.deep = JSON.parse('['.repeat(70) + ']'.repeat(70)); }), '/header', /nested deeper than 64/);
  refused(withHeader(content, (h) => { delete h.source.deploymentId; }), '/header/source', /missing required field\(s\): deploymentId/);
  refused(withHeader(content, (h) => { h.experiment.id = 'not-a-uuid'; }), '/header/experiment/id', /uuid/);
  refused(withHeader(content, (h) => { h.experiment.status = 'paused'; }), '/header/experiment/status', /must be one of/);
  refused(withHeader(content, (h) => { h.curve[0].step = -1; }), '/header/curve/0/step', />= 0/);
  refused(withHeader(content, (h) => { h.experiment.attempts = 2 ** 31; }), '/header/experiment/attempts', /<= 2147483647/);
  refused(withHeader(content, (h) => { h.checkpoints[0].sha256 = 'abc'; }), '/header/checkpoints/0/sha256', /pattern/);
  refused(withHeader(content, (h) => { h.extra = 1; }), '/header/extra', /unknown field/);
});

test("rules beyond the schema: dates PostgreSQL holds, one point per step, a success's result", () => {
  const content = testBundle();
  refused(withHeader(content, (h) => { h.experiment.createdAt = '0000-01-01T00:00:00.000Z'; }), '/header/experiment/createdAt', /years 1 to 9999/);
  refused(withHeader(content, (h) => { h.curve.push({ ...h.curve[0] }); }), '/header/curve/1', /a second epoch point at step 14 \(the first is \/header\/curve\/0\)/);
  refused(withHeader(content, (h) => { h.experiment.status = 'succeeded'; }), '/header/experiment/result/testNll', /succeeded experiment has a test NLL/);
});

test('a bad spec is refused with its path inside the header', () => {
  const content = testBundle();
  refused(withHeader(content, (h) => { h.experiment.spec.training.epochs = 0; }), '/header/experiment/spec/training/epochs', /must be >= 1/);
  refused(withHeader(content, (h) => { h.experiment.spec.model.kind = 'rnn'; }), '/header/experiment/spec/model/kind', /must be one of/);
});

test('a checkpoint must be what the header says: a container, its format, a state of this very spec', () => {
  const base = testBundle();
  const state = base.checkpoints[0]!;
  const withState = (data: Uint8Array, format = state.format, tag = state.tag) => encodeBundle({ ...base, checkpoints: [{ ...state, data, format, tag }] });
  refused(withState(Buffer.from('not a checkpoint at all')), '/header/checkpoints/0', /is not a checkpoint: its bytes do not start with the checkpoint magic/);
  refused(withState(fakeCheckpoint(WEIGHTS_CHECKPOINT_FORMAT, {})), '/header/checkpoints/0/format', /the header says slmlab-state-v1, the checkpoint itself is slmlab-weights-v1/);
  refused(withState(fakeCheckpoint(WEIGHTS_CHECKPOINT_FORMAT, {}), WEIGHTS_CHECKPOINT_FORMAT), '/header/checkpoints/0/format', /a "latest" checkpoint is a training state/);
  const other = parseSpec({ ...TEST_SPEC, training: { ...TEST_SPEC.training, seed: 1 } });
  refused(withState(fakeCheckpoint(STATE_CHECKPOINT_FORMAT, { specHash: specHash(other) })), '/header/checkpoints/0', /a training state of another spec .* cannot resume this experiment/);
});

test('the import plan: ended experiments as they were, unfinished ones queued to resume from their state', () => {
  const plan = (status: BundleStatus, drop = false) => {
    const content = testBundle({ status });
    return importPlan(decodeBundle(encodeBundle(drop ? { ...content, checkpoints: [] } : content)));
  };
  assert.deepEqual(plan('succeeded'), { status: 'succeeded', resumes: false, resumeFrom: null });
  assert.deepEqual(plan('failed'), { status: 'failed', resumes: false, resumeFrom: null });
  for (const status of ['queued', 'running', 'cancelled'] as const) {
    const p = plan(status);
    assert.deepEqual([p.status, p.resumes, p.resumeFrom?.tag, p.resumeFrom?.step], ['queued', true, 'latest', 14], status);
  }
  assert.deepEqual(plan('cancelled', true), { status: 'cancelled', resumes: false, resumeFrom: null });
  assert.deepEqual(plan('queued', true), { status: 'queued', resumes: true, resumeFrom: null });
});
