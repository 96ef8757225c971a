// Negative log-likelihood in nats, averaged over predictions (PyTorch's cross_entropy, mean reduction).
import { tf } from './tf.ts';
import { fusedCrossEntropy, fusedCrossEntropyFits } from './kernels/cross-entropy.ts';
import { fusedOps } from './models/layers.ts';

/** logits [N, V], targets [N] int32 → scalar mean NLL; one fused kernel each way on wasm (kernels/cross-entropy.ts). */
export function nll(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  if (fusedOps() && fusedCrossEntropyFits()) return fusedCrossEntropy(logits, targets);
  const V = logits.shape[1];
  const logp = tf.logSoftmax(logits); // [N, V]
  const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, V)), -1); // [N]
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

/** The model's loss for a batch: logits [B, T', V] against targets [B·T'] (T' = 1 or T). */
export function batchNll(logits: tf.Tensor3D, targets: Int32Array): tf.Scalar {
  const [B, Tp, V] = logits.shape;
  return nll(tf.reshape(logits, [B * Tp, V]), tf.tensor1d(targets, 'int32'));
}
