// Rotary position embedding, rotate-half convention (GPT-NeoX / HF Llama): for head width hd,
// freq_i = base^(−2i/hd), i = 0 … hd/2−1 (the study: base 10000, hd 32 → 10000^(−i/16)); a vector at
// position p is rotated by angles p·freq_i, pairing dimension i with i + hd/2.
import { tf } from '../tf.ts';

interface RopeTables {
  cos: tf.Tensor2D; // [T, hd]
  sin: tf.Tensor2D; // [T, hd]
}

const cache = new Map<string, RopeTables>();

export function ropeTables(T: number, hd: number, base = 10000): RopeTables {
  // Per backend: a cached tensor used on another backend is moved there, which webgpu can only do synchronously
  // from its side through OffscreenCanvas (absent in Node). One process uses one backend; tests and benches switch.
  const key = `${tf.getBackend()}:${T}:${hd}:${base}`;
  let t = cache.get(key);
  if (!t) {
    const half = hd / 2;
    const cos = new Float32Array(T * hd);
    const sin = new Float32Array(T * hd);
    for (let p = 0; p < T; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p * Math.pow(base, -i / half);
        cos[p * hd + i] = cos[p * hd + i + half] = Math.cos(angle);
        sin[p * hd + i] = sin[p * hd + i + half] = Math.sin(angle);
      }
    }
    t = { cos: tf.keep(tf.tensor2d(cos, [T, hd])), sin: tf.keep(tf.tensor2d(sin, [T, hd])) };
    cache.set(key, t);
  }
  return t;
}

/** [..., hd] → [..., hd]: (x1, x2) ↦ (−x2, x1) with x1, x2 the two halves. */
function rotateHalf(x: tf.Tensor): tf.Tensor {
  const hd = x.shape[x.shape.length - 1]!;
  const [x1, x2] = tf.split(x, [hd / 2, hd / 2], -1);
  return tf.concat([tf.neg(x2!), x1!], -1);
}

/** Applies RoPE to q or k of shape [B, H, T, hd] at positions `start` … start + T − 1. */
export function applyRope(x: tf.Tensor4D, base = 10000, start = 0): tf.Tensor4D {
  const [, , T, hd] = x.shape;
  let { cos, sin } = ropeTables(start + T, hd, base);
  if (start > 0) [cos, sin] = [tf.slice(cos, [start, 0], [T, hd]), tf.slice(sin, [start, 0], [T, hd])];
  return tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin)) as tf.Tensor4D;
}
