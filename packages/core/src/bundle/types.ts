// A bundle in memory: what encode.ts writes and decode.ts gives back. Checkpoint lengths and hashes exist only in
// the file (the header's entries); in memory each checkpoint carries its bytes.
import type { ExperimentSpec } from '../spec.ts';
import type { BundleCheckpointEntry, BundleCurvePoint, BundleExperiment, BundleSource } from './schema.ts';

export interface BundleCheckpoint extends Omit<BundleCheckpointEntry, 'bytes' | 'sha256'> {
  data: Uint8Array;
}

/** `Spec`: the stored spec as read from the database when exporting; the parsed spec once decoded. */
export interface BundleContent<Spec = unknown> {
  source: BundleSource;
  experiment: Omit<BundleExperiment, 'spec'> & { spec: Spec };
  /** Every metric point, by kind then step. */
  curve: BundleCurvePoint[];
  /** Oldest first, as the experiment holds them. */
  checkpoints: BundleCheckpoint[];
}

/** A decoded bundle: every part checked, the spec resolved by parseSpec. */
export type Bundle = BundleContent<ExperimentSpec>;
