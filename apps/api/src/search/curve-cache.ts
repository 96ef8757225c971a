// Downsampled curves of experiments that ended, kept in memory: thinning a long curve reads every one of its points
// (10,000 points → 500: 12–25 ms of PostgreSQL a request), and the points of an experiment that ended no longer
// change — its worker writes every epoch's point before it marks the run succeeded, failed or cancelled. Curves of
// live experiments are never kept; neither are curves short enough to come back whole (they cost a few rows).
import type { CurveRow } from '@slmlab/db';

export interface CachedCurve {
  total: number;
  rows: CurveRow[];
}

/** At most `maxPoints` kept points in all; the least recently used curves go first. */
export function curveCache(maxPoints = 100_000) {
  const entries = new Map<string, CachedCurve>();
  let points = 0;
  const key = (id: string, kind: string, n: number) => `${id} ${kind} ${n}`;

  return {
    get(id: string, kind: string, n: number): CachedCurve | undefined {
      const k = key(id, kind, n);
      const hit = entries.get(k);
      if (hit) {
        entries.delete(k); // re-inserted last: Map keeps insertion order, so the first key is the least recent
        entries.set(k, hit);
      }
      return hit;
    },

    set(id: string, kind: string, n: number, curve: CachedCurve) {
      if (curve.rows.length > maxPoints) return;
      const k = key(id, kind, n);
      const old = entries.get(k);
      if (old) {
        points -= old.rows.length;
        entries.delete(k);
      }
      entries.set(k, curve);
      points += curve.rows.length;
      for (const [oldest, c] of entries) {
        if (points <= maxPoints) break;
        entries.delete(oldest);
        points -= c.rows.length;
      }
    },

    get size() {
      return { curves: entries.size, points };
    },
  };
}

export type CurveCache = ReturnType<typeof curveCache>;
