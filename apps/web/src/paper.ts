// The study's own results (experiments/paper: each row's spec and results.json's test NLL, transcribed from
// arXiv 2512.20877), priced by the same cost model as our runs, so that they can be drawn beside ours.
import { parseSpec, type ExperimentSpec } from '@slmlab/core/spec';
import { estimateCost } from '@slmlab/core/cost';
import results from '../../../experiments/paper/results.json';

const specs = import.meta.glob<Record<string, unknown>>('../../../experiments/paper/table-*/*.json', { eager: true, import: 'default' });

export interface PaperPoint {
  /** "table-a/linear", as in experiments/paper and results.json. */
  row: string;
  spec: ExperimentSpec;
  testNll: number;
  params: number;
  flopsTrain: number;
  flopsStudy: number;
}

export const PAPER_POINTS: PaperPoint[] = Object.entries(specs).flatMap(([file, raw]) => {
  const row = file.replace(/^.*experiments\/paper\//, '').replace(/\.json$/, '');
  const testNll = (results.testNll as Record<string, number>)[row];
  if (testNll === undefined) return [];
  const spec = parseSpec(raw);
  const cost = estimateCost(spec);
  return [{ row, spec, testNll, params: cost.params, flopsTrain: cost.flopsTrain, flopsStudy: cost.flopsStudy }];
});
