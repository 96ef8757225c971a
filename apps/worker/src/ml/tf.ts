// The one place the ML core imports TensorFlow.js from. We take the @tensorflow/tfjs bundle rather than
// tfjs-core alone: in Node, tfjs-core's CommonJS build does not register gradients, and its ES build cannot
// be imported by Node (extensionless paths). The bundle brings the cpu backend too.
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
