// Checkpoints are stored as bytes in PostgreSQL; the format is described in docs/checkpoints.md.
import { randomUUID } from 'node:crypto';
import type { Db } from './client.ts';

export interface NewCheckpoint {
  experimentId: string;
  tag: string;
  epoch: number;
  step: number;
  format: string;
  data: Uint8Array;
}

export function checkpointsRepo(db: Db) {
  return {
    save(c: NewCheckpoint) {
      return db.checkpoint.create({
        data: { id: randomUUID(), ...c, sizeBytes: c.data.byteLength, data: c.data as Uint8Array<ArrayBuffer> },
        select: { id: true, tag: true, epoch: true, step: true, format: true, sizeBytes: true, createdAt: true },
      });
    },

    /** Metadata only: checkpoint bytes are fetched one at a time. */
    list(experimentId: string) {
      return db.checkpoint.findMany({
        where: { experimentId },
        orderBy: { createdAt: 'asc' },
        select: { id: true, tag: true, epoch: true, step: true, format: true, sizeBytes: true, createdAt: true },
      });
    },

    get(id: string) {
      return db.checkpoint.findUnique({ where: { id } });
    },
  };
}

export type CheckpointsRepo = ReturnType<typeof checkpointsRepo>;
