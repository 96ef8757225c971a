// downsampledCurve against the rule of docs/api.md written out in JS, over random curves with tied losses and
// missing values; curvesRows against the rows it reads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDb } from './client.ts';
import { curvesRows, downsampledCurve, type CurveRow } from './search.ts';
import { rng } from '../../../test/helpers/rng.ts'; // seeded: the same curves at every run

const db = createDb(process.env.DATABASE_URL!);
const ids: string[] = [];

const random = rng(424242);
/** Steps with gaps, losses from few values (ties), some valNll missing (trainNll counts) and some both. */
function randomCurve(n: number): CurveRow[] {
  let step = 0;
  return Array.from({ length: n }, (_, i) => {
    step += 1 + Math.floor(random() * 5);
    const r = random();
    return {
      epoch: i + 1, step, tokens: step * 64, seconds: i / 2,
      trainNll: r < 0.05 ? null : Math.round(random() * 8) / 4,
      valNll: r < 0.2 ? null : Math.round(random() * 8) / 4,
      valNllAllTokens: null,
    };
  });
}

/** The documented rule: first and last kept; interior point j in run ⌊j·(N−2)/(n−2)⌋; per run the lowest loss (valNll, else trainNll, else +∞), earliest on a tie. */
function reference(curve: CurveRow[], N: number): CurveRow[] {
  if (curve.length <= N) return curve;
  if (N === 2) return [curve[0]!, curve.at(-1)!];
  const loss = (p: CurveRow) => p.valNll ?? p.trainNll ?? Infinity;
  const interior = curve.slice(1, -1);
  const best = new Map<number, CurveRow>();
  interior.forEach((p, j) => {
    const run = Math.floor((j * (N - 2)) / interior.length);
    const kept = best.get(run);
    if (!kept || loss(p) < loss(kept)) best.set(run, p);
  });
  return [curve[0]!, ...best.values(), curve.at(-1)!];
}

const CURVES = [0, 1, 2, 3, 7, 50, 333, 1000].map((n) => ({ id: randomUUID(), curve: randomCurve(n) }));

before(async () => {
  for (const { id, curve } of CURVES) {
    ids.push(id);
    await db.experiment.create({ data: { id, specVersion: 2, spec: {}, dataset: 'ptb', modelKind: 'linear', paramCount: 1, flopsStudy: 1 } });
    await db.metricPoint.createMany({ data: curve.map((p) => ({ experimentId: id, kind: 'epoch', ...p })) });
    // Another kind of curve on the same experiment, which no query of the epoch curve may see.
    await db.metricPoint.createMany({ data: curve.slice(0, 3).map((p) => ({ experimentId: id, kind: 'other', ...p, valNll: -1 })) });
  }
});

after(async () => {
  await db.experiment.deleteMany({ where: { id: { in: ids } } });
  await db.$disconnect();
});

test('downsampledCurve keeps exactly the points of the documented rule, for every size and point count', async () => {
  for (const { id, curve } of CURVES) {
    for (const N of [2, 3, 4, 5, 10, 49, 50, 51, 200, 999, 1000, 5000]) {
      const { total, rows } = await downsampledCurve(db, id, 'epoch', N);
      assert.equal(total, curve.length, `n=${curve.length}`);
      assert.deepEqual(rows, reference(curve, N), `n=${curve.length}, N=${N}`);
      assert.equal(rows.length, Math.min(N, curve.length));
    }
  }
});

test('curvesRows reads each curve whole, by step, and an empty list for an experiment without points', async () => {
  const curves = await curvesRows(db, CURVES.map((c) => c.id), 'epoch');
  for (const { id, curve } of CURVES) assert.deepEqual(curves.get(id), curve);
});
