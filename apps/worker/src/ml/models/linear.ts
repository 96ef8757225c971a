// The study's baseline: Embedding(V, d) → flatten to T·d → Linear(T·d, V).
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';
import type { LanguageModel } from './model.ts';
import { Params, applyDense } from './params.ts';
import { embed } from '../kernels/embedding.ts';

export interface LinearConfig {
  vocabSize: number;
  contextLength: number;
  dModel: number;
}

export function linearModel(cfg: LinearConfig, rng: Rng): LanguageModel {
  const { vocabSize: V, contextLength: T, dModel: d } = cfg;
  const params = new Params(rng);
  const tokEmb = params.embedding('tok_emb', V, d);
  const head = params.dense('head', T * d, V);
  return {
    kind: 'linear',
    params,
    objective: 'last-token',
    logits(tokens) {
      const [B] = tokens.shape;
      const e = embed(tokEmb, tokens); // [B, T, d]
      return tf.reshape(applyDense(tf.reshape(e, [B, T * d]), head), [B, 1, V]); // [B, 1, V]
    },
  };
}
