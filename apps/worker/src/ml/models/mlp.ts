// The study's MLP: Embedding → flatten → (Linear(h) → ReLU → Dropout) × layers → Linear(V).
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';
import { dropout } from './layers.ts';
import type { LanguageModel } from './model.ts';
import { Params, applyDense } from './params.ts';
import { embed } from '../kernels/embedding.ts';

export interface MlpConfig {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  hidden: number;
  hiddenLayers: number;
  dropout: number;
}

export function mlpModel(cfg: MlpConfig, rng: Rng, dropoutRng: Rng): LanguageModel {
  const { vocabSize: V, contextLength: T, dModel: d, hidden: h } = cfg;
  const params = new Params(rng);
  const tokEmb = params.embedding('tok_emb', V, d);
  const layers = Array.from({ length: cfg.hiddenLayers }, (_, i) => params.dense(`fc${i}`, i === 0 ? T * d : h, h));
  const head = params.dense('head', h, V);
  return {
    kind: 'mlp',
    params,
    objective: 'last-token',
    logits(tokens, training) {
      const [B] = tokens.shape;
      let x: tf.Tensor = tf.reshape(embed(tokEmb, tokens), [B, T * d]); // [B, T·d]
      for (const layer of layers) x = dropout(tf.relu(applyDense(x, layer)), cfg.dropout, training, dropoutRng);
      return tf.reshape(applyDense(x, head), [B, 1, V]); // [B, 1, V]
    },
  };
}
