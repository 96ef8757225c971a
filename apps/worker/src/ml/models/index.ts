// The model zoo: one switch that ends in an error for unknown kinds.
import type { ModelSpec } from '@slmlab/core';
import type { Rng } from '../rng.ts';
import { linearModel } from './linear.ts';
import type { LanguageModel } from './model.ts';

export type { LanguageModel } from './model.ts';

export function buildModel(spec: ModelSpec, vocabSize: number, rng: Rng): LanguageModel {
  switch (spec.kind) {
    case 'linear':
      return linearModel({ vocabSize, contextLength: spec.contextLength, dModel: spec.dModel }, rng);
    default:
      throw new Error(`unknown model kind ${(spec as { kind: string }).kind}`);
  }
}
