// What the search language can filter on (docs/api.md, "Search"): the fixed columns and every scalar spec path,
// read from the spec's own schema so that a new model field shows up here without an edit.
import { MODEL_SCHEMAS, TrainingSettings } from '@slmlab/core/spec';

export const TEXT_FIELDS = ['name', 'status', 'dataset', 'modelKind', 'backend', 'device', 'workerId', 'id', 'sweep'];
export const NUMBER_FIELDS = [
  'testNll', 'bestValNll', 'testNllAllTokens', 'paramCount', 'flopsTrain', 'flopsStudy', 'bestEpoch', 'attempts',
  'wallSeconds', 'tokensPerSec', 'gflops', 'mfu',
];
export const DATE_FIELDS = ['createdAt', 'startedAt', 'finishedAt'];

interface PropertySchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
}

function specPaths(): { path: string; numeric: boolean }[] {
  const seen = new Map<string, boolean>();
  const add = (prefix: string, props: Record<string, PropertySchema>) => {
    for (const [k, s] of Object.entries(props)) seen.set(`${prefix}.${k}`, s.type === 'integer' || s.type === 'number');
  };
  for (const m of Object.values(MODEL_SCHEMAS)) add('spec.model', m.properties as unknown as Record<string, PropertySchema>);
  add('spec.training', TrainingSettings.properties as unknown as Record<string, PropertySchema>);
  return [...seen].map(([path, numeric]) => ({ path, numeric })).sort((a, b) => a.path.localeCompare(b.path));
}

export const SPEC_PATHS = specPaths();
export const ALL_FIELDS = [...TEXT_FIELDS, ...NUMBER_FIELDS, ...DATE_FIELDS, ...SPEC_PATHS.map((p) => p.path)];

export function isNumericField(field: string): boolean {
  return NUMBER_FIELDS.includes(field) || !!SPEC_PATHS.find((p) => p.path === field && p.numeric);
}
