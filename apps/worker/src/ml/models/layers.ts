// Building blocks shared by the models, written with tfjs ops so that one gradient path serves every backend.
// Shapes in comments: B batch, T time, d model width, H heads, hd head width, V vocabulary.
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';
import { Params, applyDense, type Dense } from './params.ts';
import { fusedAttentionFits, fusedCausalAttention } from '../kernels/causal-attention.ts';
import { fusedLayerNorm, fusedLayerNormFits } from '../kernels/layer-norm.ts';
import { dropoutDraw, dropoutMaskTensor, hashDropout, type DropoutDraw } from '../kernels/dropout.ts';

/**
 * slmlab's fused formulations (on wasm: fused causal-attention and LayerNorm kernels; elsewhere a hand-written
 * LayerNorm gradient; hashed dropout masks, on the GPU on webgpu; sliced q/k/v weights) are on by default. Off gives the idiomatic tfjs
 * formulation of the same maths (tf.moments, tf.dropout, tf.split), which `npm run bench:train` uses as part of
 * its stock-TensorFlow.js baseline.
 */
let fused = true;
export function useFusedOps(on: boolean): void {
  fused = on;
}
export function fusedOps(): boolean {
  return fused;
}

export interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

/**
 * LayerNorm over the last axis (PyTorch's ε = 1e-5) with a hand-written gradient: autodiff of tf.moments
 * costs ~3× the kernels (casts, broadcasts by multiplying with ones) and dominated small models on wasm.
 *   x̂ = (x − μ)·r, r = 1/√(σ² + ε);  dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ.
 */
const layerNormOp = tf.customGrad((...args: unknown[]) => {
  const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
  const centered = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), 1e-5));
  const xhat = tf.mul(centered, rstd);
  save([xhat, rstd, gamma]);
  return {
    value: tf.add(tf.mul(xhat, gamma), beta),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, r, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const lead = [...Array(dy.rank - 1).keys()];
      const gx = tf.mul(dy, g);
      const dx = tf.mul(r, tf.sub(tf.sub(gx, tf.mean(gx, -1, true)), tf.mul(xh, tf.mean(tf.mul(gx, xh), -1, true))));
      return [dx, tf.sum(tf.mul(dy, xh), lead), tf.sum(dy, lead)];
    },
  };
});

/** On wasm, one SIMD kernel each way (kernels/layer-norm.ts) computes the same maths as layerNormOp. */
export function layerNorm(x: tf.Tensor, n: Norm): tf.Tensor {
  if (fused && fusedLayerNormFits(x.shape[x.rank - 1]!)) return fusedLayerNorm(x, n.gamma, n.beta);
  if (fused) return layerNormOp(x, n.gamma, n.beta);
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), n.gamma), n.beta);
}

/**
 * Inverted dropout. Each call draws one key from `rng`; the mask is a hash of (key, index) (kernels/dropout.ts),
 * so a training seed gives the same masks on every backend, computed on the GPU on webgpu and in one JS pass
 * elsewhere — far cheaper on wasm than randomUniform + compare + cast + divide.
 */
export function dropout(x: tf.Tensor, rate: number, training: boolean, rng: Rng): tf.Tensor {
  if (!training || rate <= 0) return x;
  if (!fused) return tf.dropout(x, rate, undefined, rng.int(2 ** 31));
  return hashDropout(x, drawDropout(rate, rng));
}

/** One dropout draw: a 32-bit key from `rng` (next() is a u32 / 2³², so this is that u32 exactly). */
function drawDropout(rate: number, rng: Rng): DropoutDraw {
  return dropoutDraw(rng.int(2 ** 32), rate);
}

/**
 * [T, T] additive mask: 0 where key ≤ query, −1e9 above the diagonal (a key from the future). Cached per backend,
 * as rope.ts's tables are (a tensor moved off webgpu needs a synchronous read it cannot do in Node).
 */
const masks = new Map<string, tf.Tensor2D>();
export function causalMask(T: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${T}`;
  let m = masks.get(key);
  if (!m) {
    m = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9) as tf.Tensor2D);
    tf.keep(m);
    masks.set(key, m);
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

/**
 * Causal scaled dot-product attention on [B, H, T, hd] inputs, with optional dropout on the weights. On wasm
 * the fused kernel (kernels/causal-attention.ts) computes the same maths per head; it draws the same dropout
 * mask from `rng`, so a seed trains the same model either way.
 */
export function causalAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  attnDropout: number,
  training: boolean,
  rng: Rng,
): tf.Tensor4D {
  const [B, H, T, hd] = q.shape;
  if (fused && fusedAttentionFits(T, hd)) {
    const draw = training && attnDropout > 0 ? drawDropout(attnDropout, rng) : undefined;
    const mask = draw && dropoutMaskTensor([B, H, T, T], draw);
    return fusedCausalAttention(q, k, v, 1 / Math.sqrt(hd), mask);
  }
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
