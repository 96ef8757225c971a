// Named trainable weights with PyTorch's default initialisations (the study's models are PyTorch modules):
// Embedding ~ N(0, 1); Linear weight and bias ~ U(−1/√fan_in, 1/√fan_in). Values are drawn from our seeded
// RNG in JS, so a seed gives the same initial weights on every backend.
import { tf } from '../tf.ts';
import type { Rng } from '../rng.ts';

export interface Dense {
  /** [in, out]: inputs multiply from the left, x·W. */
  w: tf.Variable;
  b: tf.Variable;
}

export class Params {
  readonly vars = new Map<string, tf.Variable>();
  constructor(private readonly rng: Rng) {}

  private add(name: string, shape: number[], draw: () => number): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter name ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = draw();
    const init = tf.tensor(values, shape, 'float32');
    // tfjs variable names are process-global; ours live in this map, so several models can coexist.
    const v = tf.variable(init, true);
    init.dispose(); // the variable holds its own reference to the data

    this.vars.set(name, v);
    return v;
  }

  embedding(name: string, rows: number, dim: number): tf.Variable {
    return this.add(name, [rows, dim], () => this.rng.normal());
  }

  /**
   * A Linear layer. Default init is nn.Linear's; `{ xavier: true, zeroBias: true }` is nn.MultiheadAttention's
   * packed input projection (xavier_uniform weight, zero bias).
   */
  dense(name: string, fanIn: number, fanOut: number, init: { xavier?: boolean; zeroBias?: boolean } = {}): Dense {
    const wBound = init.xavier ? Math.sqrt(6 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
    const bBound = init.zeroBias ? 0 : 1 / Math.sqrt(fanIn);
    return {
      w: this.add(`${name}.w`, [fanIn, fanOut], () => (2 * this.rng.next() - 1) * wBound),
      b: this.add(`${name}.b`, [fanOut], () => (2 * this.rng.next() - 1) * bBound),
    };
  }

  /** LayerNorm's affine parameters: γ = 1, β = 0. */
  norm(name: string, dim: number): { gamma: tf.Variable; beta: tf.Variable } {
    return { gamma: this.add(`${name}.g`, [dim], () => 1), beta: this.add(`${name}.b`, [dim], () => 0) };
  }

  /** Total number of trainable scalars. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** x·W + b over the last axis of x. */
export function applyDense(x: tf.Tensor, d: { w: tf.Tensor; b: tf.Tensor }): tf.Tensor {
  const shape = x.shape;
  const flat = shape.length === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, shape[shape.length - 1]!]);
  const y = tf.add(tf.matMul(flat as tf.Tensor2D, d.w as tf.Tensor2D), d.b);
  return shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), d.w.shape[1]!]);
}
