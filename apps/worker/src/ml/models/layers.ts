// Building blocks shared by the models, written with tfjs ops so that one gradient path serves every backend.
// Shapes in comments: B batch, T time, d model width, H heads, hd head width, V vocabulary.
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';
import { Params, applyDense, type Dense } from './params.ts';

export interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

/** LayerNorm over the last axis, PyTorch's default ε = 1e-5. */
export function layerNorm(x: tf.Tensor, n: Norm): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, n.gamma), n.beta);
}

/** Inverted dropout. Each call draws a fresh seed from `rng`, so masks repeat exactly for a training seed. */
export function dropout(x: tf.Tensor, rate: number, training: boolean, rng: Rng): tf.Tensor {
  if (!training || rate <= 0) return x;
  const keep = tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', rng.int(2 ** 31)), rate);
  return tf.mul(x, tf.div(tf.cast(keep, 'float32'), 1 - rate));
}

/** [T, T] additive mask: 0 where key ≤ query, −1e9 above the diagonal (a key from the future). */
const masks = new Map<number, tf.Tensor2D>();
export function causalMask(T: number): tf.Tensor2D {
  let m = masks.get(T);
  if (!m) {
    m = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9) as tf.Tensor2D);
    tf.keep(m);
    masks.set(T, m);
  }
  return m;
}

/** [B, T, d] → [B, H, T, hd] */
export function splitHeads(x: tf.Tensor, H: number): tf.Tensor4D {
  const [B, T, d] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [B, T, H, d / H]), [0, 2, 1, 3]);
}

/** [B, H, T, hd] → [B, T, d] */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [B, H, T, hd] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, H * hd]);
}

/** Causal scaled dot-product attention on [B, H, T, hd] inputs, with optional dropout on the weights. */
export function causalAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  attnDropout: number,
  training: boolean,
  rng: Rng,
): tf.Tensor4D {
  const [, , T, hd] = q.shape;
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), causalMask(T)); // [B, H, T, T]
  const weights = dropout(tf.softmax(scores, -1), attnDropout, training, rng);
  return tf.matMul(weights, v) as tf.Tensor4D; // [B, H, T, hd]
}

/** ReLU feed-forward d → hidden → d. */
export interface FeedForward {
  up: Dense;
  down: Dense;
}

export function feedForward(params: Params, name: string, d: number, hidden: number): FeedForward {
  return { up: params.dense(`${name}.up`, d, hidden), down: params.dense(`${name}.down`, hidden, d) };
}

export function applyFeedForward(x: tf.Tensor, f: FeedForward): tf.Tensor {
  return applyDense(tf.relu(applyDense(x, f.up)), f.down);
}
