// Evaluation NLL as the study averages it: the mean over batches of each batch's mean NLL, where a short
// last batch counts as a whole batch. Always the last-token NLL (the study's metric, comparable across
// objectives); all-tokens models also report their every-position NLL.
import { tf } from './tf.ts';
import { evalBatches } from './data/windows.ts';
import { batchNll, nll } from './loss.ts';
import type { LanguageModel } from './models/index.ts';
import { tokenTensor } from './kernels/embedding.ts';

export interface EvalOptions {
  contextLength: number;
  windows: number;
  batchSize: number;
}

export interface EvalResult {
  /** Mean NLL of the token after each window. */
  nll: number;
  /** Mean NLL over every position (all-tokens models only). */
  allTokensNll?: number;
}

export async function evaluate(model: LanguageModel, tokens: Int32Array, o: EvalOptions): Promise<EvalResult> {
  const all = model.objective === 'all-tokens';
  let last = 0;
  let every = 0;
  let batches = 0;
  let lastYield = performance.now();
  for (const batch of evalBatches(tokens, o.contextLength, o.windows, o.batchSize, all ? 'all' : 'last')) {
    const losses = tf.tidy(() => {
      const x = tokenTensor(batch.x, batch.size, o.contextLength);
      const logits = model.logits(x, false); // [B, T', V]
      if (!all) return [batchNll(logits, batch.y)];
      const [B, T, V] = logits.shape;
      const lastLogits = tf.reshape(tf.slice(logits, [0, T - 1, 0], [B, 1, V]), [B, V]) as tf.Tensor2D;
      const lastTargets = tf.tensor1d(batch.y.filter((_, i) => i % T === T - 1), 'int32');
      return [nll(lastLogits, lastTargets), batchNll(logits, batch.y)];
    });
    const values = await Promise.all(losses.map((l) => l.data()));
    tf.dispose(losses);
    last += values[0]![0]!;
    every += values[1]?.[0] ?? 0;
    batches++;
    // Kernels run synchronously and data() resolves as a microtask: give timers (BullMQ's lock renewal) a turn.
    if (performance.now() - lastYield >= 50) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
  if (batches === 0) throw new Error(`no evaluation windows: the split is shorter than T=${o.contextLength} + 2`);
  return all ? { nll: last / batches, allTokensNll: every / batches } : { nll: last / batches };
}
