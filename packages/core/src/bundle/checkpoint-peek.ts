// A look inside a checkpoint's own container (apps/worker/src/ml/checkpoint.ts: "SLMLABCK", u32 header length,
// JSON header with `format` and `meta`) without reading its tensors: enough to tell that a bundle's checkpoint
// is the kind it claims, and that a training state belongs to the bundle's spec — a state of another spec would
// make the importing worker start from scratch instead of resuming. core reads no tensors (no tfjs here).
import { CHECKPOINT_MAGIC } from './format.ts';

/** The checkpoint formats of docs/checkpoints.md (the worker's ml/checkpoint.ts names them the same). */
export const WEIGHTS_CHECKPOINT_FORMAT = 'slmlab-weights-v1';
export const STATE_CHECKPOINT_FORMAT = 'slmlab-state-v1';
/** The tag of an experiment's training state, the one a worker resumes from. */
export const STATE_CHECKPOINT_TAG = 'latest';

export interface CheckpointPeek {
  format: string;
  meta: Record<string, unknown>;
}

/** The checkpoint's format and metadata, or why the bytes are not a checkpoint. */
export function peekCheckpoint(bytes: Uint8Array): CheckpointPeek | { problem: string } {
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8)).toString('latin1');
  if (magic !== CHECKPOINT_MAGIC) return { problem: `its bytes do not start with the checkpoint magic "${CHECKPOINT_MAGIC}"` };
  if (bytes.byteLength < 12) return { problem: 'its bytes end inside the checkpoint preamble' };
  const length = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  if (12 + length > bytes.byteLength) return { problem: `its header claims ${length} bytes, more than the checkpoint holds` };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + length)));
  } catch (err) {
    return { problem: `its header is not JSON (${(err as Error).message})` };
  }
  const { format, meta } = (header ?? {}) as { format?: unknown; meta?: unknown };
  if (typeof format !== 'string' || typeof meta !== 'object' || meta === null) return { problem: 'its header has no format and meta' };
  return { format, meta: meta as Record<string, unknown> };
}
