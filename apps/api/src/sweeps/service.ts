// The work behind sweeps/routes.ts. A sweep is a named, grouped set of ordinary experiments: its cells are
// deduplicated by spec hash against live experiments as submissions are, checked against the same limits, and
// enqueued the same way — but stored together with the sweep, in one transaction.
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, estimateCost, specHash, type ExperimentSpec } from '@slmlab/core';
import type { NewExperiment, SweepsRepo, SweepWithCells } from '@slmlab/db';
import { UnavailableError } from '../edge/http-errors.ts';
import { decodeCursor, encodeCursor } from '../edge/cursor.ts';
import type { CancelSweepResponse, RetryResponse, SweepBody, SweepDetail, SweepPage, SweepTable } from './schemas.ts';
import { splitSeed, sweepDetailView, sweepSummaryView } from './views.ts';
import type { experimentService } from '../experiments/service.ts';
import type { SubmissionLimits } from '../experiments/limits.ts';
import { expandSweep, seedList, sweepHash, type CellSpec } from './expand.ts';
import { sweepTable } from './table.ts';
import { sweepEstimate } from '../experiments/estimate.ts';

export interface SweepServiceDeps {
  sweeps: SweepsRepo;
  experiments: ReturnType<typeof experimentService>;
  limits: SubmissionLimits;
  maxCells: number;
}

/** The order of the sweep list. */
const NEWEST_FIRST = { sort: 'createdAt', order: 'desc' } as const;

/** Cells looked up at once: enough to overlap round trips, few enough not to hog the database pool. */
const LOOKUP_CONCURRENCY = 8;

export function sweepService(deps: SweepServiceDeps) {
  const { sweeps, experiments } = deps;

  async function load(id: string): Promise<SweepWithCells> {
    const sweep = await sweeps.get(id);
    if (!sweep) throw new NotFoundError('sweep', id);
    return sweep;
  }

  return {
    /**
     * A repost (same base, axes and seeds) returns the sweep that exists and submits nothing. Otherwise every cell
     * is checked first, then the sweep, its cells and their new experiments are stored in one transaction (so a
     * sweep is created whole or not at all), and only then are the new experiments' jobs enqueued.
     */
    async create(body: SweepBody): Promise<{ sweep: SweepDetail; created: boolean }> {
      const hash = sweepHash(body);
      const existing = await sweeps.bySpecHash(hash);
      if (existing) return { sweep: sweepDetailView(existing), created: false };
      const cells = expandSweep(body, deps.limits, deps.maxCells);
      const id = randomUUID();
      for (let attempt = 1; ; attempt++) {
        const plan = await planCells(deps, cells);
        try {
          await sweeps.create(
            { id, name: body.name ?? null, base: body.base, axes: body.axes, seeds: seedList(body.seeds), specHash: hash, cells: plan.map((p) => p.cell) },
            plan.flatMap((p) => (p.fresh ? [p.fresh] : [])),
          );
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          // The same sweep posted twice at once: the first row wins.
          const winner = await sweeps.bySpecHash(hash);
          if (winner) return { sweep: sweepDetailView(winner), created: false };
          // A submission of one of its specs won the race for that experiment: plan again, taking it.
          if (attempt < PLAN_ATTEMPTS) continue;
          throw err;
        }
        await enqueueFresh(deps, id, plan);
        const fresh = plan.flatMap((p) => (p.fresh ? [p.fresh.spec] : []));
        return { sweep: { ...sweepDetailView(await load(id)), estimate: await sweepEstimate(experiments.estimate, fresh) }, created: true };
      }
    },

    get: async (id: string): Promise<SweepDetail> => sweepDetailView(await load(id)),

    async list(query: { limit: number; cursor?: string }): Promise<SweepPage> {
      const key = query.cursor === undefined ? undefined : decodeCursor(query.cursor, NEWEST_FIRST, 'date');
      const rows = await sweeps.list({ limit: query.limit + 1, after: key && { createdAt: key.value as Date, id: key.id } });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(({ cells, ...s }) => sweepSummaryView(s, cells.map((c) => c.experiment.status))),
        nextCursor: rows.length > query.limit && last ? encodeCursor(NEWEST_FIRST, last.createdAt, last.id) : null,
      };
    },

    /**
     * Cells whose experiment failed or was cancelled get a new run of the same spec (submitted without force: a live
     * experiment of that spec, if one appeared meanwhile, is taken instead of training it twice).
     */
    async retry(id: string): Promise<RetryResponse> {
      const sweep = await load(id);
      const retried: RetryResponse['retried'] = [];
      for (const cell of sweep.cells) {
        const { status, spec } = cell.experiment;
        if (status !== 'failed' && status !== 'cancelled') continue;
        const { row } = await experiments.submit(spec as ExperimentSpec, { force: false }); // stored by submit, parsed
        if (await sweeps.repointCell(id, cell.index, cell.experimentId, row.id)) {
          retried.push({ index: cell.index, ...splitSeed(cell.axes), previousExperimentId: cell.experimentId, experimentId: row.id });
        }
      }
      return { retried, sweep: sweepDetailView(await load(id)) };
    },

    /** Cancels each queued or running cell as POST /v1/experiments/:id/cancel would. */
    async cancel(id: string): Promise<CancelSweepResponse> {
      const sweep = await load(id);
      const counts: CancelSweepResponse = { cancelled: 0, cancelRequested: 0, untouched: 0 };
      for (const cell of sweep.cells) {
        const { status } = cell.experiment;
        if (status !== 'queued' && status !== 'running') {
          counts.untouched += 1;
          continue;
        }
        const outcome = await experiments.cancel(cell.experimentId).catch((err: unknown) => {
          if (err instanceof ConflictError) return undefined; // it ended meanwhile
          throw err;
        });
        if (!outcome) counts.untouched += 1;
        else if (outcome.settled) counts.cancelled += 1;
        else counts.cancelRequested += 1;
      }
      return counts;
    },

    table: async (id: string): Promise<SweepTable> => sweepTable(await load(id)),
  };
}

/** How often a sweep is planned again when a concurrent submission creates one of its cells' experiments. */
const PLAN_ATTEMPTS = 3;

interface CellPlan {
  cell: { experimentId: string; axes: object };
  /** Set when no live experiment has the cell's spec: the experiment to create with the sweep. */
  fresh?: NewExperiment;
}

/** Each cell takes the live experiment of its spec (as a submission without force would) or a new one. */
async function planCells(deps: SweepServiceDeps, cells: CellSpec[]): Promise<CellPlan[]> {
  const plan: CellPlan[] = [];
  for (let i = 0; i < cells.length; i += LOOKUP_CONCURRENCY) {
    const batch = cells.slice(i, i + LOOKUP_CONCURRENCY);
    plan.push(...(await Promise.all(batch.map((c) => planCell(deps, c)))));
  }
  return plan;
}

async function planCell(deps: SweepServiceDeps, c: CellSpec): Promise<CellPlan> {
  const hash = specHash(c.spec);
  const live = await deps.experiments.live(hash);
  if (live) return { cell: { experimentId: live.id, axes: c.axes } };
  const fresh = { id: randomUUID(), spec: c.spec, cost: estimateCost(c.spec), keys: { specHash: hash, dedup: true } };
  return { cell: { experimentId: fresh.id, axes: c.axes }, fresh };
}

/** Enqueues every new cell; one the queue refused is marked failed (503 at the end: retry the sweep once it is back). */
async function enqueueFresh(deps: SweepServiceDeps, sweepId: string, plan: CellPlan[]): Promise<void> {
  let refused = 0;
  for (const { fresh } of plan) {
    if (!fresh) continue;
    await deps.experiments.enqueueNew(fresh.id, fresh.spec).catch((err: unknown) => {
      if (!(err instanceof UnavailableError)) throw err;
      refused += 1;
    });
  }
  if (refused > 0) {
    throw new UnavailableError(
      `the job queue is unavailable: ${refused} new cell(s) of sweep ${sweepId} were stored and marked failed; POST /v1/sweeps/${sweepId}/retry once it is back`,
    );
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'P2002';
}
