// Checkpoint bytes (docs/checkpoints.md): "SLMLABCK" magic, a little-endian u32 header length, a UTF-8 JSON
// header (format, metadata, tensor table), then each tensor's float32 values, little-endian, in table order.
// Two formats share this container: weights only (`slmlab-weights-v1`, tensor names = parameter names) and a
// whole training state (`slmlab-state-v1`, names prefixed `model/`, `best/`, `adam/m/`, `adam/v/`).
import { tf } from './tf.ts';
import type { Params } from './models/params.ts';

export const CHECKPOINT_FORMAT = 'slmlab-weights-v1';
export const STATE_FORMAT = 'slmlab-state-v1';
export type CheckpointFormat = typeof CHECKPOINT_FORMAT | typeof STATE_FORMAT;
const FORMATS: readonly string[] = [CHECKPOINT_FORMAT, STATE_FORMAT];
const MAGIC = new TextEncoder().encode('SLMLABCK');

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Byte offset of the values from the start of the data section. */
  offset: number;
}

export interface CheckpointHeader {
  format: CheckpointFormat;
  meta: Record<string, unknown>;
  tensors: TensorEntry[];
}

/** Weights only: what `slmlab train --checkpoint` writes and the `best` checkpoint holds. */
export function encodeCheckpoint(params: Params, meta: Record<string, unknown>): Promise<Uint8Array> {
  return encodeTensors(CHECKPOINT_FORMAT, meta, params.vars);
}

export async function encodeTensors(
  format: CheckpointFormat,
  meta: Record<string, unknown>,
  named: Iterable<[string, tf.Tensor]>,
): Promise<Uint8Array> {
  const tensors: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, v] of named) {
    const values = (await v.data()) as Float32Array;
    tensors.push({ name, shape: v.shape, dtype: 'float32', offset });
    chunks.push(values);
    offset += values.byteLength;
  }
  const header = new TextEncoder().encode(JSON.stringify({ format, meta, tensors }));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  let at = MAGIC.length + 4 + header.length;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  return out;
}

export interface SavedTensor {
  shape: number[];
  data: Float32Array;
}

export interface DecodedCheckpoint {
  header: CheckpointHeader;
  values: Map<string, SavedTensor>;
}

export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint {
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('not an slmlab checkpoint (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(MAGIC.length, true);
  const headerStart = MAGIC.length + 4;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen))) as CheckpointHeader;
  if (!FORMATS.includes(header.format)) throw new Error(`unsupported checkpoint format ${header.format}`);
  const dataStart = headerStart + headerLen;
  const values = new Map<string, SavedTensor>();
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    // Copy: the data section need not be 4-byte aligned inside `bytes`.
    const data = new Float32Array(bytes.slice(dataStart + t.offset, dataStart + t.offset + n * 4).buffer);
    values.set(t.name, { shape: t.shape, data });
  }
  return { header, values };
}

/**
 * Assigns checkpoint values to the model's parameters; names and shapes must match exactly. A training-state
 * checkpoint offers its current weights (`model/`) by default, its best-validation weights with prefix `best/`.
 */
export function loadWeights(params: Params, ckpt: DecodedCheckpoint, prefix = defaultPrefix(ckpt)): void {
  loadTensors(params, ckpt.values, prefix);
}

export function loadTensors(params: Params, values: Map<string, SavedTensor>, prefix: string): void {
  for (const [name, v] of params.vars) {
    const saved = values.get(prefix + name);
    if (!saved) throw new Error(`checkpoint has no tensor ${prefix + name}`);
    if (saved.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`checkpoint tensor ${prefix + name} has shape [${saved.shape}], model expects [${v.shape}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape, 'float32')));
  }
}

function defaultPrefix(ckpt: DecodedCheckpoint): string {
  return ckpt.header.format === STATE_FORMAT ? 'model/' : '';
}
