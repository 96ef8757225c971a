// Checkpoints are stored as bytes in PostgreSQL; the format is described in docs/checkpoints.md.
import { randomUUID } from 'node:crypto';
import { LARGE_WRITE, type Db } from './client.ts';

export interface NewCheckpoint {
  experimentId: string;
  tag: string;
  epoch: number;
  step: number;
  format: string;
  data: Uint8Array;
}

const META = { id: true, tag: true, epoch: true, step: true, format: true, sizeBytes: true, createdAt: true } as const;

export function checkpointsRepo(db: Db) {
  const create = (id: string, c: NewCheckpoint) =>
    db.checkpoint.create({ data: { id, ...c, sizeBytes: c.data.byteLength, data: c.data as Uint8Array<ArrayBuffer> }, select: META });

  return {
    save(c: NewCheckpoint) {
      return create(randomUUID(), c);
    },

    /**
     * Retention: saves `c` and deletes the experiment's older checkpoints of the same tag in one transaction, so
     * that a crash between the two can neither leave none nor pile them up.
     */
    async replace(c: NewCheckpoint) {
      const id = randomUUID();
      const [saved] = await db.$transaction([
        create(id, c),
        db.checkpoint.deleteMany({ where: { experimentId: c.experimentId, tag: c.tag, id: { not: id } } }),
      ], LARGE_WRITE);
      return saved;
    },

    /** The newest checkpoint of a tag, bytes included, or null. */
    latest(experimentId: string, tag: string) {
      return db.checkpoint.findFirst({ where: { experimentId, tag }, orderBy: { createdAt: 'desc' } });
    },

    /** Metadata only: checkpoint bytes are fetched one at a time. */
    list(experimentId: string) {
      return db.checkpoint.findMany({
        where: { experimentId },
        orderBy: { createdAt: 'asc' },
        select: META,
      });
    },

    get(id: string) {
      return db.checkpoint.findUnique({ where: { id } });
    },
  };
}

export type CheckpointsRepo = ReturnType<typeof checkpointsRepo>;
