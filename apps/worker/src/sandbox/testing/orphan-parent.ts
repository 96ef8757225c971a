// Test fixture (child-lifetime.test.ts): a worker-like parent that starts one long job in a training child
// process, says so, and waits to be killed.
import { parseSpec } from '@slmlab/core';
import { processTrainer } from '../trainer.ts';

const spec = parseSpec({
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 16 },
  training: { epochs: 50, windowsPerEpoch: 200_000, evalWindows: 64, seed: 1 },
});
let said = false;
void processTrainer('wasm')(
  { experimentId: 'orphan', spec, data: { dataDir: process.env.SLMLAB_DATA_DIR!, allowDownload: false }, checkpointEvery: { steps: 0, seconds: 0 } },
  {
    epoch: async () => {},
    checkpoint: async () => {},
    resumed: () => {},
    progress: () => {
      if (!said) console.log('training');
      said = true;
    },
  },
  new AbortController().signal,
);
