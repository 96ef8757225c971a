// What the API's "queue and workers" view reads from PostgreSQL: experiments counted by status, and the names of
// the experiments workers are training. One query each, however many experiments or workers there are.
import type { Db } from './client.ts';
import { ExperimentStatus } from './generated/client.ts';

export function queueStatsRepo(db: Db) {
  return {
    /** Every status with its count (0 for those no experiment has), in one GROUP BY. */
    async statusCounts(): Promise<Record<ExperimentStatus, number>> {
      const rows = await db.experiment.groupBy({ by: ['status'], _count: { _all: true } });
      const counts = Object.fromEntries(Object.values(ExperimentStatus).map((s) => [s, 0])) as Record<ExperimentStatus, number>;
      for (const row of rows) counts[row.status] = row._count._all;
      return counts;
    },

    /** id → name (null when unnamed) of those of `ids` that exist. */
    async names(ids: string[]): Promise<Map<string, string | null>> {
      if (ids.length === 0) return new Map();
      const rows = await db.experiment.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
      return new Map(rows.map((r) => [r.id, r.name]));
    },
  };
}

export type QueueStatsRepo = ReturnType<typeof queueStatsRepo>;
