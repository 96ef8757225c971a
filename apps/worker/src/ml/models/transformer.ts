// Decoder-only transformers: the study's `attention` model is one post-LN block with FFN 512, its
// `transformer` L such blocks with FFN 256; its RoPE ablation uses pre-LN blocks (docs/models.md).
//   post-ln: x = LN(x + MHA(x));            x = LN(x + Dropout(FFN(x)))       (nn.MultiheadAttention, packed q/k/v)
//   pre-ln:  x = x + Dropout(Wo·Attn(LN(x))); x = x + Dropout(Dropout(FFN(LN(x))))  (separate q/k/v/o)
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';
import {
  applyFeedForward, causalAttention, dropout, feedForward, fusedOps, layerNorm, mergeHeads, splitHeads,
  type FeedForward, type Norm,
} from './layers.ts';
import type { LanguageModel, Objective } from './model.ts';
import { Params, applyDense, type Dense } from './params.ts';
import { applyRope } from './rope.ts';
import { embed } from '../kernels/embedding.ts';

export interface TransformerConfig {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  layers: number;
  heads: number;
  ffnHidden: number;
  positions: 'learned' | 'rope' | 'none';
  block: 'post-ln' | 'pre-ln';
  dropout: number;
  attnDropout: number;
  objective: Objective;
  ropeBase: number;
}

export interface Block {
  ln1: Norm;
  ln2: Norm;
  ffn: FeedForward;
  /** post-ln: packed input projection d → 3d; pre-ln: separate q, k, v. */
  qkv: Dense | { q: Dense; k: Dense; v: Dense };
  out: Dense;
}

export function makeBlock(p: Params, i: number, c: TransformerConfig): Block {
  const d = c.dModel;
  const name = `blocks.${i}`;
  const packed = c.block === 'post-ln';
  const qkv = packed
    ? p.dense(`${name}.attn.in`, d, 3 * d, { xavier: true, zeroBias: true })
    : { q: p.dense(`${name}.attn.q`, d, d), k: p.dense(`${name}.attn.k`, d, d), v: p.dense(`${name}.attn.v`, d, d) };
  const out = p.dense(`${name}.attn.out`, d, d, { zeroBias: packed });
  return { ln1: p.norm(`${name}.ln1`, d), ln2: p.norm(`${name}.ln2`, d), ffn: feedForward(p, `${name}.ffn`, d, c.ffnHidden), qkv, out };
}

/**
 * With the last-token objective only the last position of the final block reaches the loss, so that block
 * computes keys and values at every position (its one query attends to them all) but the query, attention
 * output, residuals, LayerNorms and FFN at the last position only: the same logits and gradients for about
 * two thirds less of that block's work. Off computes every position, as the study's code does (`npm run
 * bench:train`'s stock baseline, and tests comparing the two).
 */
let pruneLastBlock = true;
export function usePrunedLastBlock(on: boolean): void {
  pruneLastBlock = on;
}

export function transformerModel(c: TransformerConfig, rng: Rng, dropoutRng: Rng): LanguageModel {
  if (c.dModel % c.heads) throw new Error(`d_model ${c.dModel} is not divisible by ${c.heads} heads`);
  const params = new Params(rng);
  const tokEmb = params.embedding('tok_emb', c.vocabSize, c.dModel);
  const posEmb = c.positions === 'learned' ? params.embedding('pos_emb', c.contextLength, c.dModel) : undefined;
  const blocks = Array.from({ length: c.layers }, (_, i) => makeBlock(params, i, c));
  const lnF = params.norm('ln_f', c.dModel);
  const head = params.dense('head', c.dModel, c.vocabSize);

  return {
    kind: 'transformer',
    params,
    objective: c.objective,
    logits(tokens, training) {
      const T = tokens.shape[1];
      let x = embed(tokEmb, tokens) as tf.Tensor3D; // [B, T, d]
      if (posEmb) x = tf.add(x, tf.slice(posEmb, [0, 0], [T, c.dModel]));
      const pruned = c.objective === 'last-token' && pruneLastBlock;
      blocks.forEach((b, i) => {
        x = pruned && i === blocks.length - 1 ? applyBlockAtLast(x, b, c, training, dropoutRng) : applyBlock(x, b, c, training, dropoutRng);
      });
      // last-token: only the final position feeds the head (the study's LayerNorm on the last position).
      if (c.objective === 'last-token' && !pruned) x = lastPosition(x); // [B, 1, d]
      return applyDense(layerNorm(x, lnF), head) as tf.Tensor3D; // [B, T', V]
    },
  };
}

/** [B, T, d] → [B, 1, d] */
const lastPosition = (x: tf.Tensor3D): tf.Tensor3D => tf.slice(x, [0, x.shape[1] - 1, 0], [x.shape[0], 1, x.shape[2]]);

function attention(x: tf.Tensor3D, b: Block, c: TransformerConfig, training: boolean, rng: Rng): tf.Tensor3D {
  let q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D;
  if ('w' in b.qkv && !fusedOps()) {
    const [q3, k3, v3] = tf.split(applyDense(x, b.qkv), 3, -1); // 3 × [B, T, d]
    [q, k, v] = [splitHeads(q3!, c.heads), splitHeads(k3!, c.heads), splitHeads(v3!, c.heads)];
  } else if ('w' in b.qkv) {
    // Slice the packed weight rather than split the packed activation: same products, but splitting a
    // [B, T, 3d] tensor (SplitV) is slow on wasm while slicing a [d, 3d] weight is not.
    const d = c.dModel;
    const packed = b.qkv;
    const part = (i: number) => ({ w: tf.slice(packed.w, [0, i * d], [d, d]), b: tf.slice(packed.b, [i * d], [d]) });
    [q, k, v] = [0, 1, 2].map((i) => splitHeads(applyDense(x, part(i)), c.heads)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  } else {
    q = splitHeads(applyDense(x, b.qkv.q), c.heads);
    k = splitHeads(applyDense(x, b.qkv.k), c.heads);
    v = splitHeads(applyDense(x, b.qkv.v), c.heads); // [B, H, T, hd]
  }
  if (c.positions === 'rope') [q, k] = [applyRope(q, c.ropeBase), applyRope(k, c.ropeBase)];
  const y = mergeHeads(causalAttention(q, k, v, c.attnDropout, training, rng)); // [B, T, d]
  return applyDense(y, b.out) as tf.Tensor3D;
}

/** One block, post-LN or pre-LN as configured: [B, T, d] → [B, T, d]. */
export function applyBlock(x: tf.Tensor3D, b: Block, c: TransformerConfig, training: boolean, rng: Rng): tf.Tensor3D {
  const drop = (t: tf.Tensor) => dropout(t, c.dropout, training, rng);
  if (c.block === 'post-ln') {
    x = layerNorm(tf.add(x, attention(x, b, c, training, rng)), b.ln1) as tf.Tensor3D;
    return layerNorm(tf.add(x, drop(applyFeedForward(x, b.ffn))), b.ln2) as tf.Tensor3D;
  }
  x = tf.add(x, drop(attention(layerNorm(x, b.ln1) as tf.Tensor3D, b, c, training, rng)));
  return tf.add(x, drop(drop(applyFeedForward(layerNorm(x, b.ln2), b.ffn))));
}

/**
 * The last position's attention output [B, 1, d]: its query (from `xLast`, [B, 1, d]) against the keys and
 * values of every position of `x` ([B, T, d]). The last query sees every key, so there is no mask; its
 * weights are one row, [B, H, 1, T], so two small batched products replace the fused T×T kernel.
 */
function attentionAtLast(x: tf.Tensor3D, xLast: tf.Tensor3D, b: Block, c: TransformerConfig, training: boolean, rng: Rng): tf.Tensor3D {
  const [d, T, hd] = [c.dModel, x.shape[1], c.dModel / c.heads];
  const [wq, wk, wv] = 'w' in b.qkv
    ? [0, 1, 2].map((i) => ({ w: tf.slice((b.qkv as Dense).w, [0, i * d], [d, d]), b: tf.slice((b.qkv as Dense).b, [i * d], [d]) }))
    : [b.qkv.q, b.qkv.k, b.qkv.v];
  let q = splitHeads(applyDense(xLast, wq!), c.heads); // [B, H, 1, hd]
  let k = splitHeads(applyDense(x, wk!), c.heads); // [B, H, T, hd]
  const v = splitHeads(applyDense(x, wv!), c.heads);
  if (c.positions === 'rope') [q, k] = [applyRope(q, c.ropeBase, T - 1), applyRope(k, c.ropeBase)];
  const weights = dropout(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), -1), c.attnDropout, training, rng);
  return applyDense(mergeHeads(tf.matMul(weights, v) as tf.Tensor4D), b.out) as tf.Tensor3D; // [B, 1, d]
}

/** The block's output at the last position only, [B, T, d] → [B, 1, d] (see usePrunedLastBlock). */
export function applyBlockAtLast(x: tf.Tensor3D, b: Block, c: TransformerConfig, training: boolean, rng: Rng): tf.Tensor3D {
  const drop = (t: tf.Tensor) => dropout(t, c.dropout, training, rng);
  if (c.block === 'post-ln') {
    const last = layerNorm(tf.add(lastPosition(x), attentionAtLast(x, lastPosition(x), b, c, training, rng)), b.ln1) as tf.Tensor3D;
    return layerNorm(tf.add(last, drop(applyFeedForward(last, b.ffn))), b.ln2) as tf.Tensor3D;
  }
  const normed = layerNorm(x, b.ln1) as tf.Tensor3D; // every position: the keys and values
  const last = tf.add(lastPosition(x), drop(attentionAtLast(normed, lastPosition(normed), b, c, training, rng)));
  return tf.add(last, drop(drop(applyFeedForward(layerNorm(last, b.ln2), b.ffn))));
}
