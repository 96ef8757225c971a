// The shapes the dashboard reads (a subset of apps/api/src/edge/schemas.ts and sweeps/schemas.ts; the API's
// OpenAPI document at /docs/json is the full contract).
import type { ExperimentSpec } from '@slmlab/core/spec';

export type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const STATUSES: Status[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface Experiment {
  id: string;
  name: string | null;
  status: Status;
  spec: ExperimentSpec;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
  cost: { params: number; flopsStudy: number; flopsTrain: number | null };
  worker: { workerId: string; backend: string | null; device: string | null } | null;
  result: {
    bestValNll: number | null;
    bestEpoch: number | null;
    testNll: number;
    testNllAllTokens: number | null;
    backend: string | null;
    device: string | null;
    workerId: string | null;
    wallSeconds: number | null;
    tokensPerSec: number | null;
    gflops: number | null;
    mfu: number | null;
  } | null;
  error: string | null;
}

export interface Checkpoint {
  id: string;
  tag: string;
  epoch: number;
  step: number;
  format: string;
  sizeBytes: number;
  createdAt: string;
}

export interface ExperimentDetail extends Experiment {
  checkpoints: Checkpoint[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type XAxis = 'step' | 'tokens' | 'flops' | 'seconds' | 'epoch';

export interface CurvePoint {
  x: number;
  epoch: number;
  step: number;
  tokens: number;
  seconds: number;
  flops: number;
  trainNll: number | null;
  valNll: number | null;
  valNllAllTokens: number | null;
}

export interface Curve {
  id: string;
  x: XAxis;
  total: number;
  points: CurvePoint[];
}

export interface Progress {
  experimentId: string;
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSec: number;
  etaSeconds: number | null;
}

export interface EpochEvent {
  experimentId: string;
  epoch: number;
  step: number;
  tokens: number;
  seconds: number;
  trainNll: number | null;
  valNll: number | null;
  valNllAllTokens: number | null;
}

export type StatusCounts = Record<Status, number>;

export interface SweepCell {
  index: number;
  axes: Record<string, unknown>;
  seed: number | null;
  experimentId: string;
  status: Status;
  testNll: number | null;
  replacedExperimentIds: string[];
}

export interface Sweep {
  id: string;
  name: string | null;
  base: Record<string, unknown>;
  axes: Record<string, unknown[]>;
  seeds: number[];
  specHash: string;
  createdAt: string;
  cellCount: number;
  counts: StatusCounts;
  cells?: SweepCell[];
}

export interface SweepTableRow {
  axes: Record<string, unknown>;
  params: number;
  flopsStudy: number;
  flopsTrain: number | null;
  cells: number;
  n: number;
  testNllMean: number | null;
  testNllStd: number | null;
  bestEpochMean: number | null;
  bestEpochs: number[];
  counts: StatusCounts;
}

export interface SweepTable {
  sweepId: string;
  axes: string[];
  rows: SweepTableRow[];
}

export interface FrontierAnswer {
  x: string;
  y: string;
  points: { x: number; y: number; experiment: Experiment }[];
}

export interface CompareAnswer {
  at: XAxis;
  values: number[];
  items: { id: string; name: string | null; status: Status; range: { min: number; max: number } | null; valNll: (number | null)[] }[];
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  backend: string;
  device: string;
  threads?: number | null;
  peakGflops?: number | null;
  gpuIndex?: number | null;
  startedAt: string;
  seenAt: string;
  state: 'idle' | 'busy' | 'stopping';
  currentJob: { experimentId: string; since: string; name?: string | null } | null;
}

export interface QueueAnswer {
  jobs: Record<string, number>;
  experiments: StatusCounts;
  workers: { live: number; busy: number };
}
