// The contract every model keeps (makemore's forward(idx) → logits): the training loop, evaluation and
// checkpoints hold no per-model code.
import type { tf } from '../tf.ts';
import type { Params } from './params.ts';

export type Objective = 'last-token' | 'all-tokens';

export interface LanguageModel {
  readonly kind: string;
  readonly params: Params;
  /** What the model is trained to predict: only the token after each window, or every position's next token. */
  readonly objective: Objective;
  /**
   * tokens [B, T] int32 → logits [B, T', V], where T' = 1 (last-token: the token after the window)
   * or T (all-tokens: position t predicts token t+1).
   */
  logits(tokens: tf.Tensor2D, training: boolean): tf.Tensor3D;
}
