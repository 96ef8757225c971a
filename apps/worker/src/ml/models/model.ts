// The contract every model keeps (makemore's forward(idx) → logits): the training loop, evaluation and
// checkpoints hold no per-model code.
import type { tf } from '../tf.ts';
import type { Params } from './params.ts';

export interface LanguageModel {
  readonly kind: string;
  readonly params: Params;
  /** tokens [B, T] int32 → logits [B, V] for the token after each window (the study's last-token objective). */
  logits(tokens: tf.Tensor2D, training: boolean): tf.Tensor2D;
}
