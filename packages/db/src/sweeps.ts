// Repository for sweeps and their cells. A cell links a sweep to the experiment that runs it now; experiments are
// deduplicated by spec hash, so one experiment may be a cell of several sweeps.
import type { Db } from './client.ts';
import { experimentData, type NewExperiment } from './experiments.ts';
import type { Prisma, Sweep, SweepCell } from './generated/client.ts';

export type { Sweep, SweepCell };

export interface NewSweep {
  id: string;
  name: string | null;
  base: object;
  axes: object;
  seeds: number[];
  specHash: string;
  /** In cell order: index i of the array is cell i. */
  cells: { experimentId: string; axes: object }[];
}

/** The experiment fields a sweep's views and table need (not the spec, not the worker's details). */
const CELL_EXPERIMENT = {
  select: {
    id: true,
    status: true,
    testNll: true,
    bestValNll: true,
    bestEpoch: true,
    paramCount: true,
    flopsStudy: true,
    flopsTrain: true,
    spec: true,
  },
} as const;

export function sweepsRepo(db: Db) {
  const withCells = (where: Prisma.SweepWhereUniqueInput) =>
    db.sweep.findUnique({
      where,
      include: { cells: { orderBy: { index: 'asc' }, include: { experiment: CELL_EXPERIMENT } } },
    });

  return {
    /**
     * The sweep, its cells and the cells' new experiments in one transaction: a sweep is never seen without its
     * cells, and a failure anywhere stores none of it (cells of experiments that existed before point at them).
     */
    create(s: NewSweep, experiments: NewExperiment[] = []) {
      const { cells, ...sweep } = s;
      return db.$transaction([
        db.experiment.createMany({ data: experiments.map(experimentData) }),
        db.sweep.create({
          data: { ...sweep, cells: { create: cells.map((c, index) => ({ index, experimentId: c.experimentId, axes: c.axes })) } },
        }),
      ]);
    },

    /** With its cells in order, each with its current experiment. */
    get: (id: string) => withCells({ id }),

    async exists(id: string): Promise<boolean> {
      return (await db.sweep.findUnique({ where: { id }, select: { id: true } })) !== null;
    },

    bySpecHash: (specHash: string) => withCells({ specHash }),

    /** Newest first; `after` is the last row of the previous page (keyset pagination, as for experiments). */
    list(opts: { limit: number; after?: { createdAt: Date; id: string } }) {
      const { limit, after } = opts;
      return db.sweep.findMany({
        where: after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        include: { cells: { select: { experiment: { select: { status: true } } } } },
      });
    },

    /**
     * Points a cell at a new experiment, remembering the one it replaces. Conditional on the cell still pointing at
     * `from`: of two retries at once, one repoints it and the other changes nothing (false).
     */
    async repointCell(sweepId: string, index: number, from: string, to: string): Promise<boolean> {
      const { count } = await db.sweepCell.updateMany({
        where: { sweepId, index, experimentId: from },
        data: { experimentId: to, replacedExperimentIds: { push: from } },
      });
      return count === 1;
    },
  };
}

export type SweepsRepo = ReturnType<typeof sweepsRepo>;
export type SweepWithCells = NonNullable<Awaited<ReturnType<SweepsRepo['get']>>>;
export type SweepCellWithExperiment = SweepWithCells['cells'][number];
