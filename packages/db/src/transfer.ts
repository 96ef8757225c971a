// Moving an experiment between deployments (apps/api/src/transfer/): read one whole, as of one moment, for an
// export; store one whole, in one transaction, for an import — a failed import leaves no row behind.
import { randomUUID } from 'node:crypto';
import { LARGE_WRITE, type Db } from './client.ts';
import { experimentData, type NewExperiment, type RunResult, type ExperimentStatus } from './experiments.ts';
import type { Checkpoint, Experiment, MetricPoint } from './generated/client.ts';
import type { CurveRow } from './search.ts';

/** An experiment with every metric point (by kind, then step) and every checkpoint, bytes included (oldest first). */
export interface ExperimentSnapshot {
  experiment: Experiment;
  points: MetricPoint[];
  checkpoints: Checkpoint[];
}

/** Where the experiment stands and what it has produced, as the source deployment recorded it. */
export interface ImportedState {
  status: ExperimentStatus;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  cancelRequestedAt: Date | null;
  error: string | null;
  /** Every result column, null where the run has none; worker fields (workerId, backend, device) included. */
  result: { [K in keyof RunResult]-?: RunResult[K] | null } & { backend: string | null; device: string | null; workerId: string | null };
}

export interface ImportedPoint extends CurveRow {
  kind: string;
}

export interface ImportedCheckpoint {
  tag: string;
  epoch: number;
  step: number;
  format: string;
  createdAt: Date;
  data: Uint8Array;
}

export interface ImportedExperiment {
  /** Id, spec, cost and identity keys, as a submission stores them. */
  base: NewExperiment;
  state: ImportedState;
  points: ImportedPoint[];
  checkpoints: ImportedCheckpoint[];
}


export function transferRepo(db: Db) {
  return {
    /**
     * One consistent snapshot (REPEATABLE READ): a running experiment's curve and checkpoints as of one moment, not
     * a curve point newer than the checkpoints read a moment before it. Null for an unknown id.
     */
    snapshot(id: string): Promise<ExperimentSnapshot | null> {
      return db.$transaction(
        async (tx) => {
          const experiment = await tx.experiment.findUnique({ where: { id } });
          if (!experiment) return null;
          const points = await tx.metricPoint.findMany({ where: { experimentId: id }, orderBy: [{ kind: 'asc' }, { step: 'asc' }] });
          const checkpoints = await tx.checkpoint.findMany({ where: { experimentId: id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
          return { experiment, points, checkpoints };
        },
        { isolationLevel: 'RepeatableRead', ...LARGE_WRITE }, // a long read: checkpoints of tens of MB
      );
    },

    /**
     * The experiment row, its curve and its checkpoints in one transaction: all of it is stored, or (a unique
     * violation on the id or the live spec, P2002; anything else) none of it. Checkpoints get ids of this database.
     */
    async insert(imported: ImportedExperiment): Promise<Experiment> {
      const { base, state, points, checkpoints } = imported;
      const { result, ...fields } = state;
      const id = base.id;
      const [row] = await db.$transaction([
        db.experiment.create({ data: { ...experimentData(base), ...fields, ...result, heartbeatAt: null } }),
        db.metricPoint.createMany({ data: points.map((p) => ({ experimentId: id, ...p })) }),
        db.checkpoint.createMany({
          data: checkpoints.map((c) => ({ id: randomUUID(), experimentId: id, ...c, sizeBytes: c.data.byteLength, data: c.data as Uint8Array<ArrayBuffer> })),
        }),
      ], LARGE_WRITE);
      return row;
    },

    /** Removes an experiment and (cascade) its curve and checkpoints: an import whose job could not be enqueued. */
    async remove(id: string): Promise<void> {
      await db.experiment.deleteMany({ where: { id } });
    },
  };
}

export type TransferRepo = ReturnType<typeof transferRepo>;
