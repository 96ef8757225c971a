// Reads a bundle (format.ts) and checks every part of it before anything may be stored: the magic, the version,
// the lengths (a truncated file names the part it ends in), the header's SHA-256, the header against its schema
// (schema.ts) and its rules, the spec through parseSpec, each checkpoint's SHA-256, and that each checkpoint is
// the kind it claims (a training state of the bundle's own spec). Anything wrong throws InvalidBundleError whose
// issues name the part: `/magic`, `/version`, `/headerLength`, `/headerSha256`, or a pointer into the header.
import { createHash } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { InvalidBundleError, InvalidSpecError, type Issue } from '../errors.ts';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../json-depth.ts';
import { parseSpec, schemaIssues, type ExperimentSpec } from '../spec.ts';
import { specHash } from '../spec-hash.ts';
import { peekCheckpoint, STATE_CHECKPOINT_FORMAT, STATE_CHECKPOINT_TAG } from './checkpoint-peek.ts';
import { sha256Hex } from './encode.ts';
import { BUNDLE_MAGIC, BUNDLE_VERSION, CHECKPOINT_MAGIC, MAX_HEADER_BYTES, PREAMBLE_BYTES } from './format.ts';
import { BundleHeader } from './schema.ts';
import type { Bundle, BundleCheckpoint } from './types.ts';

const checkHeader = Compile(BundleHeader);
/** Schema problems listed at most: a header of the wrong shape breaks everywhere at once. */
const MAX_ISSUES = 20;

export function decodeBundle(bytes: Uint8Array): Bundle {
  const headerLength = readPreamble(bytes);
  const header = readHeader(bytes, headerLength);
  const spec = readSpec(header);
  checkRules(header);
  const checkpoints = readCheckpoints(bytes, PREAMBLE_BYTES + headerLength, header, spec);
  return { source: header.source, experiment: { ...header.experiment, spec }, curve: header.curve, checkpoints };
}

function fail(path: string, message: string): never {
  throw new InvalidBundleError([{ path, message }]);
}

/** Magic, version and header length; returns the header's length. */
function readPreamble(bytes: Uint8Array): number {
  const magic = latin1(bytes.subarray(0, 8));
  if (bytes.byteLength === 0) fail('/magic', 'the file is empty');
  if (magic === CHECKPOINT_MAGIC) fail('/magic', 'this is a checkpoint file, not an experiment bundle (bin/slmlab eval reads checkpoints)');
  // A shorter file that starts like a bundle is a truncated one (said below), not another kind of file.
  if (!BUNDLE_MAGIC.startsWith(magic)) {
    fail('/magic', `not an experiment bundle: it starts with ${JSON.stringify(magic)}, a bundle with "${BUNDLE_MAGIC}"`);
  }
  if (bytes.byteLength < PREAMBLE_BYTES) fail(preambleFieldAt(bytes.byteLength), `truncated: ${bytes.byteLength} bytes, less than the ${PREAMBLE_BYTES}-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES);
  const version = view.getUint32(8, true);
  if (version > BUNDLE_VERSION) fail('/version', `bundle version ${version} is newer than this slmlab reads (${BUNDLE_VERSION}): import it with a newer slmlab`);
  if (version !== BUNDLE_VERSION) fail('/version', `bundle version ${version} does not exist (this slmlab reads version ${BUNDLE_VERSION})`);
  const length = view.getUint32(12, true);
  if (length > MAX_HEADER_BYTES) fail('/headerLength', `a header of ${length} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  const available = bytes.byteLength - PREAMBLE_BYTES;
  if (length > available) fail('/headerLength', `truncated: the header is ${length} bytes, the file holds ${available} after the preamble`);
  return length;
}

/** The preamble field a file of `length` bytes ends in. */
function preambleFieldAt(length: number): string {
  if (length < 8) return '/magic';
  if (length < 12) return '/version';
  return length < 16 ? '/headerLength' : '/headerSha256';
}

/** The header's hash, then its text, depth and JSON, then its schema. */
function readHeader(bytes: Uint8Array, length: number): BundleHeader {
  const raw = bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + length);
  const expected = Buffer.from(bytes.buffer, bytes.byteOffset + 16, 32).toString('hex');
  const actual = createHash('sha256').update(raw).digest('hex');
  if (actual !== expected) fail('/headerSha256', `hash mismatch: the header hashes to ${actual}, the preamble says ${expected}: the file is corrupt`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    fail('/header', 'the header is not UTF-8');
  }
  if (jsonDepthExceeds(text)) fail('/header', `the header is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail('/header', `the header is not JSON: ${(err as Error).message}`);
  }
  if (!checkHeader.Check(value)) throw new InvalidBundleError(prefixed('/header', schemaIssues(checkHeader.Errors(value))).slice(0, MAX_ISSUES));
  return value as BundleHeader;
}

/** The spec as a submission's: defaults filled, every rule checked; its problems point into the header. */
function readSpec(header: BundleHeader): ExperimentSpec {
  try {
    return parseSpec(header.experiment.spec);
  } catch (err) {
    if (err instanceof InvalidSpecError) throw new InvalidBundleError(prefixed('/header/experiment/spec', err.issues));
    throw err;
  }
}

/** What the schema cannot say: dates PostgreSQL holds, one point per (kind, step), a result for a success. */
function checkRules(header: BundleHeader): void {
  const e = header.experiment;
  const dates: [string, string | null][] = [
    ['/header/source/exportedAt', header.source.exportedAt],
    ['/header/experiment/createdAt', e.createdAt],
    ['/header/experiment/startedAt', e.startedAt],
    ['/header/experiment/finishedAt', e.finishedAt],
    ['/header/experiment/cancelRequestedAt', e.cancelRequestedAt],
    ...header.checkpoints.map((c, i): [string, string] => [`/header/checkpoints/${i}/createdAt`, c.createdAt]),
  ];
  for (const [path, date] of dates) if (date !== null && !storableDate(date)) fail(path, 'must be a date in the years 1 to 9999');
  const seen = new Map<string, number>();
  header.curve.forEach((p, i) => {
    const key = `${p.kind}\u0000${p.step}`;
    const first = seen.get(key);
    if (first !== undefined) fail(`/header/curve/${i}`, `a second ${p.kind} point at step ${p.step} (the first is /header/curve/${first})`);
    seen.set(key, i);
  });
  if (e.status === 'succeeded' && e.result.testNll === null) fail('/header/experiment/result/testNll', 'a succeeded experiment has a test NLL');
}

function storableDate(iso: string): boolean {
  const year = new Date(iso).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/** Each checkpoint's bytes where the header says, whole, with its hash, and of the kind it claims. */
function readCheckpoints(bytes: Uint8Array, start: number, header: BundleHeader, spec: ExperimentSpec): BundleCheckpoint[] {
  checkLengths(bytes.byteLength - start, header);
  let at = start;
  return header.checkpoints.map(({ bytes: length, sha256, ...entry }, i) => {
    const data = bytes.subarray(at, at + length);
    at += length;
    const path = `/header/checkpoints/${i}`;
    const actual = sha256Hex(data);
    if (actual !== sha256) fail(`${path}/sha256`, `hash mismatch: checkpoint ${i} (${entry.tag}) hashes to ${actual}, the header says ${sha256}: the file is corrupt`);
    checkKind(path, entry, data, spec);
    return { ...entry, data };
  });
}

/** The data section holds exactly the checkpoints' bytes: a short file names the checkpoint it ends in. */
function checkLengths(available: number, header: BundleHeader): void {
  let end = 0;
  for (const [i, c] of header.checkpoints.entries()) {
    if (end + c.bytes > available) {
      fail(`/header/checkpoints/${i}/bytes`, `truncated: the file ends ${Math.max(0, available - end)} bytes into checkpoint ${i} (${c.tag}, ${c.bytes} bytes)`);
    }
    end += c.bytes;
  }
  if (available > end) fail('/', `${available - end} bytes follow the last checkpoint: not a file slmlab wrote, or two files joined`);
}

/** A checkpoint is the format it claims; the resumable tag holds a training state of this very spec. */
function checkKind(path: string, entry: Omit<BundleCheckpoint, 'data'>, data: Uint8Array, spec: ExperimentSpec): void {
  const peek = peekCheckpoint(data);
  if ('problem' in peek) fail(path, `checkpoint ${entry.tag} is not a checkpoint: ${peek.problem}`);
  if (peek.format !== entry.format) fail(`${path}/format`, `the header says ${entry.format}, the checkpoint itself is ${peek.format}`);
  if (entry.tag === STATE_CHECKPOINT_TAG && entry.format !== STATE_CHECKPOINT_FORMAT) {
    fail(`${path}/format`, `a "${STATE_CHECKPOINT_TAG}" checkpoint is a training state (${STATE_CHECKPOINT_FORMAT}), not ${entry.format}`);
  }
  if (entry.format === STATE_CHECKPOINT_FORMAT && peek.meta['specHash'] !== specHash(spec)) {
    fail(path, `a training state of another spec (specHash ${String(peek.meta['specHash'])}, the bundle's spec resolves to ${specHash(spec)}): it cannot resume this experiment`);
  }
}

function prefixed(prefix: string, issues: Issue[]): Issue[] {
  return issues.map((i) => ({ path: `${prefix}${i.path}`, message: i.message }));
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
