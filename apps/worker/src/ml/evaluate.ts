// Evaluation NLL as the study averages it: the mean over batches of each batch's mean NLL, where a short
// last batch counts as a whole batch.
import { tf } from './tf.ts';
import { evalBatches } from './data/windows.ts';
import { nll } from './loss.ts';
import type { LanguageModel } from './models/index.ts';

export interface EvalOptions {
  contextLength: number;
  windows: number;
  batchSize: number;
}

export async function evaluate(model: LanguageModel, tokens: Int32Array, o: EvalOptions): Promise<number> {
  let total = 0;
  let batches = 0;
  for (const batch of evalBatches(tokens, o.contextLength, o.windows, o.batchSize)) {
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.size, o.contextLength], 'int32');
      const y = tf.tensor1d(batch.y, 'int32');
      return nll(model.logits(x, false), y);
    });
    total += (await loss.data())[0]!;
    loss.dispose();
    batches++;
  }
  if (batches === 0) throw new Error(`no evaluation windows: the split is shorter than T=${o.contextLength} + 1`);
  return total / batches;
}
