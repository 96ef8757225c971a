// The frontier's two ways (reading every candidate, walking the indexes) against a brute force in JS, over random
// rows with many ties on x, on y and on both, and over the filters that change which rows are candidates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDb } from './client.ts';
import { FRONTIER_WALK_PAIRS, frontier } from './frontier.ts';
import type { Filter, SearchColumn } from './search.ts';
import { rng } from '../../../test/helpers/rng.ts'; // seeded: the same rows at every run

const db = createDb(process.env.DATABASE_URL!);
const P = `frontier-test-${process.pid}-`;

interface Row {
  id: string;
  status: 'succeeded' | 'failed' | 'queued';
  dataset: string;
  modelKind: string;
  paramCount: number;
  flopsStudy: number;
  flopsTrain: number | null;
  testNll: number | null;
  bestValNll: number | null;
  testNllAllTokens: number | null;
  layers: number;
}

// A latent size makes bigger models better (as in the study), so that fronts are long; values are rounded to few
// distinct ones, so that ties on x, on y and on (x, y) are common; some values are missing.
const random = rng(20261201);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const orNull = (v: number) => (random() < 0.08 ? null : v);
const ROWS: Row[] = Array.from({ length: 400 }, () => {
  const size = random();
  return {
    id: randomUUID(),
    status: pick(['succeeded', 'succeeded', 'succeeded', 'failed', 'queued'] as const),
    dataset: pick(['ptb', 'tinyshakespeare']),
    modelKind: pick(['linear', 'transformer']),
    paramCount: 100 * (1 + Math.round(9 * size)),
    flopsStudy: [1e9, 2e9, 3.5e9, 5e9, 8e9, 1.3e10, 2.1e10][Math.round(6 * size)]!,
    flopsTrain: orNull(Math.round(40 * size + 4 * random()) * 1e8),
    testNll: orNull(Math.round((2.4 - 1.2 * size + 0.5 * random()) * 10) / 10),
    bestValNll: orNull(Math.round((2.5 - 1.2 * size + 0.5 * random()) * 20) / 20),
    // Set for the all-tokens models only, as in the study.
    testNllAllTokens: random() < 0.5 ? null : Math.round((2.2 - 1.0 * size + 0.5 * random()) * 10) / 10,
    layers: pick([1, 2, 3]),
  };
});

before(async () => {
  await db.experiment.createMany({
    data: ROWS.map((r, i) => ({
      id: r.id, name: `${P}${i}`, specVersion: 2, spec: { model: { kind: r.modelKind, layers: r.layers } }, dataset: r.dataset,
      modelKind: r.modelKind, status: r.status, paramCount: r.paramCount, flopsStudy: r.flopsStudy, flopsTrain: r.flopsTrain,
      testNll: r.testNll, bestValNll: r.bestValNll, testNllAllTokens: r.testNllAllTokens,
    })),
  });
});

after(async () => {
  await db.experiment.deleteMany({ where: { id: { in: ROWS.map((r) => r.id) } } });
  await db.$disconnect();
});

/** Not dominated by another succeeded candidate with both values (x ≤ and y ≤, one strictly); by x, then id. */
function bruteForce(x: SearchColumn, y: SearchColumn, keep: (r: Row) => boolean): [number, number, string][] {
  const v = (r: Row, c: SearchColumn) => r[c as keyof Row] as number | null;
  const done = ROWS.filter((r) => r.status === 'succeeded' && v(r, x) !== null && v(r, y) !== null && keep(r));
  return done
    .filter((r) => !done.some((o) => v(o, x)! <= v(r, x)! && v(o, y)! <= v(r, y)! && (v(o, x)! < v(r, x)! || v(o, y)! < v(r, y)!)))
    .map((r): [number, number, string] => [v(r, x)!, v(r, y)!, r.id])
    .sort((a, b) => a[0] - b[0] || (a[2] < b[2] ? -1 : 1));
}

const ours: Filter = { field: { kind: 'column', name: 'name' }, op: 'prefix', value: P };
const eq = (name: 'dataset' | 'modelKind', value: string): Filter => ({ field: { kind: 'column', name }, op: 'eq', value });
const FILTERS: [string, Filter[], (r: Row) => boolean][] = [
  ['no filter', [], () => true],
  ['dataset', [eq('dataset', 'ptb')], (r) => r.dataset === 'ptb'],
  ['dataset and model kind', [eq('dataset', 'tinyshakespeare'), eq('modelKind', 'transformer')], (r) => r.dataset === 'tinyshakespeare' && r.modelKind === 'transformer'],
  ['a spec path', [{ field: { kind: 'spec', path: ['model', 'layers'] }, op: 'in', value: [2, 3] }], (r) => r.layers >= 2],
  ['an OR over a result range', [{ or: [{ field: { kind: 'column', name: 'paramCount' }, op: 'lt', value: 400 }, eq('modelKind', 'linear')] }], (r) => r.paramCount < 400 || r.modelKind === 'linear'],
  ['nothing matches', [eq('dataset', 'wikitext2')], () => false],
];
// Every walked pair, and one without walk indexes (read whole whatever the count).
const PAIRS: [SearchColumn, SearchColumn][] = [...FRONTIER_WALK_PAIRS.map(([x, y]): [SearchColumn, SearchColumn] => [x, y]), ['paramCount', 'flopsTrain']];

for (const [x, y] of PAIRS) {
  const walks = FRONTIER_WALK_PAIRS.some(([a, b]) => a === x && b === y);
  const how = walks ? 'walked, read whole and the default all give' : 'no walk indexes: read whole, it gives';
  test(`frontier ${x} × ${y}: ${how} the brute force's points, ties included`, async () => {
    for (const [name, parts, keep] of FILTERS) {
      const want = bruteForce(x, y, keep);
      const filter: Filter = { and: [ours, ...parts] };
      // smallSet 0: always walk; a huge one: always read every candidate; default: whichever the count says.
      for (const smallSet of [0, 1e9, undefined]) {
        const points = await frontier(db, x, y, filter, { smallSet });
        const got = points.map((p): [number, number, string] => [p.x, p.y, p.experiment.id]);
        assert.deepEqual(got, want, `${name}, smallSet ${smallSet}`);
      }
    }
  });
}

test('the data has what the test is about: long fronts, some points tied on both values', () => {
  for (const [x, y] of FRONTIER_WALK_PAIRS) {
    const front = bruteForce(x, y, () => true);
    assert.ok(front.length >= 5, `${x} × ${y}: a front of ${front.length}`);
  }
  const values = bruteForce('flopsTrain', 'testNll', () => true).map(([x, y]) => `${x}:${y}`);
  assert.ok(new Set(values).size < values.length, 'some frontier points tie on both x and y');
});

test('every walked pair has its two partial indexes, (x, y) and (y, x) of succeeded rows with both values', async () => {
  const rows = await db.$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'Experiment'`;
  for (const [x, y] of FRONTIER_WALK_PAIRS) {
    for (const [a, b] of [[x, y], [y, x]]) {
      const found = rows.some(({ indexdef: d }) => d.includes(`("${a}", "${b}")`) && /WHERE .*status = 'succeeded'/.test(d));
      assert.ok(found, `an index on ("${a}", "${b}") WHERE status = 'succeeded'`);
    }
  }
});

test('sessions run without JIT: compiling a plan must not cost more than running it', async () => {
  const [row] = await db.$queryRaw<{ jit: string }[]>`SELECT current_setting('jit') AS jit`;
  assert.equal(row?.jit, 'off');
});
