// What a client sees of a sweep: database rows mapped to the shapes declared in sweeps/schemas.ts.
import type { ExperimentStatus, Sweep, SweepCellWithExperiment, SweepWithCells } from '@slmlab/db';
import { STATUSES } from '../edge/schemas.ts';
import { SEED_AXIS } from './expand.ts';
import type { StatusCounts, SweepCellView, SweepDetail, SweepSummary } from './schemas.ts';

export function countStatuses(statuses: ExperimentStatus[]): StatusCounts {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const s of statuses) counts[s] += 1;
  return counts;
}

/** A cell's axis values without the seed, and the seed (null when the sweep sets none). */
export function splitSeed(axes: unknown): { axes: Record<string, unknown>; seed: number | null } {
  const { [SEED_AXIS]: seed, ...rest } = axes as Record<string, unknown>; // written by the API from the expansion
  return { axes: rest, seed: typeof seed === 'number' ? seed : null };
}

export function cellView(c: SweepCellWithExperiment): SweepCellView {
  const e = c.experiment;
  return {
    index: c.index,
    ...splitSeed(c.axes),
    experimentId: c.experimentId,
    status: e.status,
    testNll: e.status === 'succeeded' ? e.testNll : null,
    replacedExperimentIds: c.replacedExperimentIds,
  };
}

export function sweepSummaryView(s: Sweep, statuses: ExperimentStatus[]): SweepSummary {
  return {
    id: s.id,
    name: s.name,
    base: s.base as Record<string, unknown>,
    axes: s.axes as Record<string, unknown[]>,
    seeds: s.seeds as number[],
    specHash: s.specHash,
    createdAt: s.createdAt.toISOString(),
    cellCount: statuses.length,
    counts: countStatuses(statuses),
  };
}

export function sweepDetailView(s: SweepWithCells): SweepDetail {
  const { cells, ...sweep } = s;
  return { ...sweepSummaryView(sweep, cells.map((c) => c.experiment.status)), cells: cells.map(cellView) };
}
