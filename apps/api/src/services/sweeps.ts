// The work behind routes/sweeps.ts. Every cell goes through the experiment service (spec-hash dedup, limits,
// enqueue), so a sweep is only a named, grouped set of ordinary experiments.
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, type ExperimentSpec } from '@slmlab/core';
import type { Experiment, SweepsRepo, SweepWithCells } from '@slmlab/db';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { CancelSweepResponse, RetryResponse, SweepBody, SweepDetail, SweepPage, SweepTable } from '../sweep-schemas.ts';
import { splitSeed, sweepDetailView, sweepSummaryView } from '../sweep-views.ts';
import type { experimentService } from './experiments.ts';
import type { SubmissionLimits } from './limits.ts';
import { expandSweep, seedList, sweepHash, type CellSpec } from './sweeps-expand.ts';
import { sweepTable } from './sweeps-table.ts';

export interface SweepServiceDeps {
  sweeps: SweepsRepo;
  experiments: ReturnType<typeof experimentService>;
  limits: SubmissionLimits;
  maxCells: number;
}

/** The order of the sweep list. */
const NEWEST_FIRST = { sort: 'createdAt', order: 'desc' } as const;

/** Cells submitted at once: enough to overlap round trips, few enough not to hog the database pool. */
const SUBMIT_CONCURRENCY = 8;

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
     * is checked first (nothing is stored if one fails), then submitted, then the sweep is stored with its cells.
     */
    async create(body: SweepBody): Promise<{ sweep: SweepDetail; created: boolean }> {
      const hash = sweepHash(body);
      const existing = await sweeps.bySpecHash(hash);
      if (existing) return { sweep: sweepDetailView(existing), created: false };
      const cells = expandSweep(body, deps.limits, deps.maxCells);
      const rows = await submitAll(deps, cells);
      const id = randomUUID();
      try {
        await sweeps.create({
          id,
          name: body.name ?? null,
          base: body.base,
          axes: body.axes,
          seeds: seedList(body.seeds),
          specHash: hash,
          cells: cells.map((c, i) => ({ experimentId: rows[i]!.id, axes: c.axes })),
        });
      } catch (err) {
        // The same sweep posted twice at once: its cells deduplicated onto the same experiments; the first row wins.
        const winner = isUniqueViolation(err) ? await sweeps.bySpecHash(hash) : null;
        if (winner) return { sweep: sweepDetailView(winner), created: false };
        throw err;
      }
      return { sweep: sweepDetailView(await load(id)), created: true };
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

async function submitAll(deps: SweepServiceDeps, cells: CellSpec[]): Promise<Experiment[]> {
  const rows: Experiment[] = [];
  for (let i = 0; i < cells.length; i += SUBMIT_CONCURRENCY) {
    const batch = cells.slice(i, i + SUBMIT_CONCURRENCY);
    rows.push(...(await Promise.all(batch.map(async (c) => (await deps.experiments.submit(c.spec, { force: false })).row))));
  }
  return rows;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'P2002';
}
