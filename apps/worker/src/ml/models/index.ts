// The model zoo: one switch that ends in an error for unknown kinds.
import type { ExperimentSpec } from '@slmlab/core';
import type { Rng } from '../rng.ts';
import { linearModel } from './linear.ts';
import { mlpModel } from './mlp.ts';
import type { LanguageModel } from './model.ts';
import { transformerModel } from './transformer.ts';

export type { LanguageModel, Objective } from './model.ts';

/** Builds the spec's model; `init` draws the initial weights, `dropout` the dropout masks. */
export function buildModel(spec: ExperimentSpec, vocabSize: number, init: Rng, dropout: Rng): LanguageModel {
  const m = spec.model;
  const base = { vocabSize, contextLength: m.contextLength, dModel: m.dModel };
  switch (m.kind) {
    case 'linear':
      return linearModel(base, init);
    case 'mlp':
      return mlpModel({ ...base, hidden: m.hidden, hiddenLayers: m.hiddenLayers, dropout: m.dropout }, init, dropout);
    case 'attention':
    case 'transformer':
      return transformerModel(
        {
          ...base,
          layers: m.kind === 'attention' ? 1 : m.layers,
          heads: m.heads,
          ffnHidden: m.ffnHidden,
          positions: m.positions,
          block: m.block,
          dropout: m.dropout,
          attnDropout: m.attnDropout ?? 0,
          objective: spec.training.objective,
          ropeBase: m.ropeBase,
        },
        init,
        dropout,
      );
    default:
      throw new Error(`unknown model kind ${(m as { kind: string }).kind}`);
  }
}
