// Search, curves, frontier and compare through HTTP against the real test database. Every row is created here with
// a unique name prefix and every query filters by it, so other suites' rows never count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseSpec } from '@slmlab/core';
import { closeTestApp, testApp } from '../testing.ts';

const P = `search-test-${process.pid}-${Date.now()}-`;
const byPrefix = { name: { prefix: P } };

interface Row {
  key: string;
  layers?: number;
  dataset?: string;
  status?: 'queued' | 'succeeded' | 'failed';
  testNll?: number | null;
  flopsTrain?: number;
  paramCount?: number;
  createdAt?: number;
}

// a..h: shapes chosen so each filter below has a known answer (g ties a on testNll and flopsTrain).
const ROWS: Row[] = [
  { key: 'a', layers: 2, dataset: 'ptb', testNll: 1.5, flopsTrain: 100, paramCount: 1000 },
  { key: 'b', layers: 3, dataset: 'ptb', testNll: 1.7, flopsTrain: 200, paramCount: 2000 },
  { key: 'c', layers: 4, dataset: 'ptb', testNll: 1.55, flopsTrain: 300, paramCount: 3000 },
  { key: 'd', dataset: 'ptb', testNll: 1.9, flopsTrain: 50, paramCount: 500 },
  { key: 'e', dataset: 'tinyshakespeare', testNll: 1.4, flopsTrain: 400, paramCount: 4000 },
  { key: 'f', layers: 2, dataset: 'ptb', status: 'queued', testNll: null, flopsTrain: 10, paramCount: 100 },
  { key: 'g', layers: 3, dataset: 'tinyshakespeare', testNll: 1.5, flopsTrain: 100, paramCount: 1500 },
  { key: 'h', layers: 2, dataset: 'wikitext2', status: 'failed', testNll: null, flopsTrain: 60, paramCount: 600 },
  { key: 'i', dataset: 'ptb', testNll: 1.95, flopsTrain: 50, paramCount: 700 },
];

describe('search, curves, frontier, compare', () => {
  let app: FastifyInstance;
  const ids: Record<string, string> = {};
  const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id;
  const sweepId = randomUUID();

  before(async () => {
    app = await testApp('test-api-search');
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (const [i, r] of ROWS.entries()) {
      const id = randomUUID();
      ids[r.key] = id;
      const model = r.layers ? { kind: 'transformer', layers: r.layers, contextLength: 8 } : { kind: 'linear', contextLength: 8 };
      const spec = parseSpec({ name: `${P}${r.key}`, dataset: r.dataset ?? 'ptb', model, training: { epochs: 3, windowsPerEpoch: 10 } });
      const status = r.status ?? 'succeeded';
      await app.db.experiment.create({
        data: {
          id, name: spec.name, specVersion: spec.specVersion, spec: spec as object, dataset: spec.dataset, modelKind: spec.model.kind,
          status, paramCount: r.paramCount ?? 1, flopsStudy: 1, flopsTrain: r.flopsTrain ?? null, testNll: r.testNll ?? null,
          // Two rows share a createdAt: the id breaks the tie.
          createdAt: new Date(base + Math.min(i, 7) * 1000),
        },
      });
    }
    await app.db.sweep.create({
      data: { id: sweepId, base: {}, axes: {}, seeds: [], specHash: `${P}sweep`, cells: { create: [{ index: 0, experimentId: ids.a!, axes: {} }, { index: 1, experimentId: ids.c!, axes: {} }] } },
    });
  });

  after(async () => {
    await app.db.sweep.deleteMany({ where: { id: sweepId } });
    await app.db.experiment.deleteMany({ where: { id: { in: Object.values(ids) } } });
    await closeTestApp(app);
  });

  const where = (f: object) => `where=${encodeURIComponent(JSON.stringify({ ...byPrefix, ...f }))}`;

  async function get(url: string, status = 200) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, status, res.body);
    return res.json();
  }

  async function keys(query: string): Promise<string[]> {
    const page = await get(`/v1/experiments?limit=100&${query}`);
    return page.items.map((i: { id: string }) => keyOf(i.id)).sort();
  }

  describe('filters', () => {
    test('OR of a spec IN and a result range, ANDed with a dataset', async () => {
      const q = where({ dataset: 'ptb', or: [{ 'spec.model.layers': { in: [2, 3] } }, { testNll: { lt: 1.6 } }] });
      assert.deepEqual(await keys(q), ['a', 'b', 'c', 'f']);
    });

    test('ranges: gte and lt together, and a numeric spec range', async () => {
      assert.deepEqual(await keys(where({ testNll: { gte: 1.5, lt: 1.7 } })), ['a', 'c', 'g']);
      assert.deepEqual(await keys(where({ 'spec.model.layers': { gt: 2, lte: 4 } })), ['b', 'c', 'g']);
      assert.deepEqual(await keys(where({ params: { lt: 700 } })), ['d', 'f', 'h']);
    });

    test('eq, ne, null, strings and nested and/or', async () => {
      assert.deepEqual(await keys(where({ 'spec.model.kind': 'linear' })), ['d', 'e', 'i']);
      assert.deepEqual(await keys(where({ status: { ne: 'succeeded' } })), ['f', 'h']);
      assert.deepEqual(await keys(where({ testNll: null })), ['f', 'h']);
      assert.deepEqual(await keys(where({ 'spec.model.layers': null })), ['d', 'e', 'i']);
      assert.deepEqual(
        await keys(where({ or: [{ and: [{ dataset: 'tinyshakespeare' }, { testNll: { gt: 1.45 } }] }, { modelKind: 'linear', dataset: 'ptb', testNll: { gt: 1.92 } }] })),
        ['g', 'i'],
      );
      assert.deepEqual(await keys(where({ createdAt: { gte: '2026-01-01T00:00:07Z' } })), ['h', 'i']);
    });

    test('shorthand parameters and the sweep filter', async () => {
      assert.deepEqual(await keys(`${where({})}&dataset=ptb&modelKind=transformer&status=succeeded`), ['a', 'b', 'c']);
      assert.deepEqual(await keys(`${where({})}&sweep=${sweepId}`), ['a', 'c']);
      assert.deepEqual(await keys(where({ sweep: { ne: sweepId }, dataset: 'ptb' })), ['b', 'd', 'f', 'i']);
    });
  });

  describe('sort and cursor pagination', () => {
    /** Follows nextCursor with `limit` per page; returns the keys in the order they came. */
    async function walk(query: string, limit: number): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 50; pages++) {
        const page = await get(`/v1/experiments?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i: { id: string }) => keyOf(i.id)));
        cursor = page.nextCursor;
        if (!cursor) return seen;
      }
      throw new Error('did not end');
    }

    /** Expected order: by value with NULL as the largest, ties by id, both in the given direction. */
    function expected(field: 'testNll' | 'flopsTrain' | 'createdAt', order: 'asc' | 'desc'): string[] {
      const value = (r: Row, i: number) => (field === 'createdAt' ? Math.min(i, 7) : (r[field] ?? null));
      const sorted = ROWS.map((r, i) => ({ key: r.key, v: value(r, i), id: ids[r.key]! })).sort((x, y) => {
        const byValue = x.v === y.v ? 0 : x.v === null ? 1 : y.v === null ? -1 : x.v - y.v;
        return byValue !== 0 ? byValue : x.id < y.id ? -1 : 1;
      });
      const keys = sorted.map((s) => s.key);
      return order === 'asc' ? keys : keys.reverse();
    }

    for (const [field, order, limit] of [
      ['testNll', 'asc', 2], ['testNll', 'desc', 3], ['flopsTrain', 'asc', 1], ['createdAt', 'desc', 2], ['createdAt', 'asc', 4],
    ] as const) {
      test(`sort=${field}&order=${order}, ${limit} per page: every row once, in order`, async () => {
        assert.deepEqual(await walk(`${where({})}&sort=${field}&order=${order}`, limit), expected(field, order));
      });
    }

    test('the default stays newest first, and a cursor only continues its own sort', async () => {
      assert.deepEqual(await walk(where({}), 3), expected('createdAt', 'desc'));
      const first = await get(`/v1/experiments?limit=1&${where({})}&sort=testNll&order=asc`);
      const res = await get(`/v1/experiments?${where({})}&sort=testNll&order=desc&cursor=${first.nextCursor}`, 400);
      assert.deepEqual(res.error.issues.map((i: { path: string }) => i.path), ['/cursor']);
    });
  });

  describe('bad filters are 400 with the path inside the filter', () => {
    const cases: [string, string, RegExp][] = [
      ['{"or":[{"testNll":{"lt":"x"}}]}', '/where/or/0/testNll/lt', /must be a number/],
      ['{"bogus":1}', '/where/bogus', /unknown field/],
      ['{"testNll":{"like":1}}', '/where/testNll/like', /unknown operator/],
      ['{"spec.model.layrs":2}', '/where/spec.model.layrs', /unknown spec path/],
      ['{"spec.model.kind":{"gt":1}}', '/where/spec.model.kind/gt', /numeric/],
      ['{"status":"done"}', '/where/status', /must be one of/],
      ['{"and":[{"testNll":{"in":[]}}]}', '/where/and/0/testNll/in', /array of 1/],
      ['{"createdAt":{"gt":"yesterday"}}', '/where/createdAt/gt', /ISO 8601/],
      ['{"dataset":["ptb"]}', '/where/dataset', /use \{"in"/],
      ['[1]', '/where', /object/],
      ['{"or":', '/where', /not JSON/],
    ];
    for (const [filter, path, message] of cases) {
      test(`${filter} → ${path}`, async () => {
        const body = await get(`/v1/experiments?where=${encodeURIComponent(filter)}`, 400);
        assert.equal(body.error.code, 'invalid_request');
        assert.equal(body.error.issues[0].path, path);
        assert.match(body.error.issues[0].message, message);
      });
    }

    test('every problem is listed, and unknown sorts are 400 at /sort', async () => {
      const body = await get(`/v1/experiments?where=${encodeURIComponent('{"a":1,"testNll":{"gt":true}}')}`, 400);
      assert.deepEqual(body.error.issues.map((i: { path: string }) => i.path), ['/where/a', '/where/testNll/gt']);
      const sort = await get('/v1/experiments?sort=spec', 400);
      assert.deepEqual(sort.error.issues.map((i: { path: string }) => i.path), ['/sort']);
    });
  });

  describe('GET /v1/experiments/:id/metrics', () => {
    const N = 1000;
    before(async () => {
      // f's curve: N points, a noisy falling valNll with one dip at step 5000 that downsampling must not lose.
      await app.db.metricPoint.createMany({ data: CURVE.map((p) => ({ experimentId: ids.f!, kind: 'epoch', ...p })) });
    });

    const CURVE = Array.from({ length: N }, (_, i) => ({
      epoch: i + 1, step: (i + 1) * 10, tokens: (i + 1) * 80, seconds: i + 0.5,
      trainNll: 5 - i / N, valNll: i === 499 ? 0.1 : 5 - i / N + ((i * 7919) % 13) / 100,
    }));

    /** The documented rule, written out: first, last, and the lowest valNll of each of n − 2 equal runs between. */
    function referenceSteps(n: number): number[] {
      if (CURVE.length <= n) return CURVE.map((p) => p.step);
      const interior = CURVE.slice(1, -1);
      const best = new Map<number, (typeof CURVE)[number]>();
      interior.forEach((p, j) => {
        const b = Math.floor((j * (n - 2)) / interior.length);
        if (!best.has(b) || p.valNll < best.get(b)!.valNll) best.set(b, p);
      });
      return [CURVE[0]!, ...[...best.values()], CURVE.at(-1)!].map((p) => p.step).sort((a, b) => a - b);
    }

    test('downsamples to the requested count, keeping the first, the last and the lowest loss', async () => {
      const curve = await get(`/v1/experiments/${ids.f}/metrics?points=50&x=flops`);
      assert.equal(curve.total, N);
      assert.equal(curve.points.length, 50);
      assert.equal(curve.points[0].step, 10);
      assert.equal(curve.points.at(-1).step, N * 10);
      assert.ok(curve.points.some((p: { valNll: number }) => p.valNll === 0.1), 'the dip survives');
      assert.deepEqual(curve.points.map((p: { step: number }) => p.step), referenceSteps(50));
      for (const n of [3, 7, 999]) {
        const thin = await get(`/v1/experiments/${ids.f}/metrics?points=${n}`);
        assert.deepEqual(thin.points.map((p: { step: number }) => p.step), referenceSteps(n), `points=${n}`);
      }
      // flops = tokens × flopsTrain / (windowsPerEpoch × epochs × T) = tokens × 10 / 240.
      for (const p of curve.points) assert.ok(Math.abs(p.x - (p.tokens * 10) / 240) < 1e-9 && p.flops === p.x);
    });

    test('fewer points than asked come back whole; x picks the axis', async () => {
      const curve = await get(`/v1/experiments/${ids.f}/metrics?points=5000&x=tokens`);
      assert.equal(curve.points.length, N);
      assert.deepEqual(curve.points.slice(0, 2).map((p: { x: number }) => p.x), [80, 160]);
      assert.equal((await get(`/v1/experiments/${ids.f}/metrics?points=2`)).points.length, 2);
    });

    test('unknown experiment is 404; bad points is 400', async () => {
      await get(`/v1/experiments/${randomUUID()}/metrics`, 404);
      const body = await get(`/v1/experiments/${ids.f}/metrics?points=1`, 400);
      assert.deepEqual(body.error.issues.map((i: { path: string }) => i.path), ['/points']);
    });

    test("an ended experiment's thinned curve is computed once (its points no longer change); a live one's each time", async () => {
      // Outside ROWS (another name), so that no filter above sees them.
      const [ended, live] = [randomUUID(), randomUUID()];
      const spec = parseSpec({ name: `curve-cache-${P}`, dataset: 'ptb', model: { kind: 'linear', contextLength: 8 } });
      const row = { name: spec.name, specVersion: spec.specVersion, spec: spec as object, dataset: 'ptb', modelKind: 'linear', paramCount: 1, flopsStudy: 1, flopsTrain: 10 };
      await app.db.experiment.createMany({ data: [{ id: ended, status: 'succeeded', ...row }, { id: live, status: 'running', ...row }] });
      const point = (experimentId: string, i: number) => ({ experimentId, kind: 'epoch', epoch: i, step: i, tokens: i, seconds: i, trainNll: 1, valNll: 1 });
      try {
        await app.db.metricPoint.createMany({ data: [ended, live].flatMap((id) => Array.from({ length: 10 }, (_, i) => point(id, i + 1))) });
        for (const id of [ended, live]) assert.equal((await get(`/v1/experiments/${id}/metrics?points=3`)).total, 10);
        // Against the rule (as a worker that lost its job might): a point added after the end is not seen.
        await app.db.metricPoint.createMany({ data: [point(ended, 11), point(live, 11)] });
        assert.equal((await get(`/v1/experiments/${ended}/metrics?points=3`)).total, 10, 'kept');
        assert.equal((await get(`/v1/experiments/${ended}/metrics?points=4`)).total, 11, 'another size is another curve');
        assert.equal((await get(`/v1/experiments/${live}/metrics?points=3`)).total, 11, 'read afresh');
      } finally {
        await app.db.experiment.deleteMany({ where: { id: { in: [ended, live] } } });
      }
    });
  });

  describe('GET /v1/frontier', () => {
    /** Brute force: not dominated by any other succeeded row with both values. */
    function paretoKeys(x: 'flopsTrain' | 'paramCount'): string[] {
      const done = ROWS.filter((r) => (r.status ?? 'succeeded') === 'succeeded' && r.testNll != null);
      return done
        .filter((r) => !done.some((o) => o[x]! <= r[x]! && o.testNll! <= r.testNll! && (o[x]! < r[x]! || o.testNll! < r.testNll!)))
        .sort((p, q) => p[x]! - q[x]! || (ids[p.key]! < ids[q.key]! ? -1 : 1))
        .map((r) => r.key);
    }

    test('is exactly the non-dominated set, sorted by x (ties on both kept)', async () => {
      const body = await get(`/v1/frontier?x=flops&y=testNll&${where({})}`);
      assert.equal(body.x, 'flopsTrain');
      const got = body.points.map((p: { experiment: { id: string } }) => keyOf(p.experiment.id));
      assert.deepEqual([...got].sort(), ['a', 'd', 'e', 'g']);
      assert.deepEqual(got, paretoKeys('flopsTrain'));
      assert.deepEqual(body.points.map((p: { x: number; y: number }) => [p.x, p.y]), [[50, 1.9], [100, 1.5], [100, 1.5], [400, 1.4]]);
    });

    test('params axis and filters', async () => {
      const byParams = await get(`/v1/frontier?x=params&${where({})}`);
      assert.deepEqual(byParams.points.map((p: { experiment: { id: string } }) => keyOf(p.experiment.id)), paretoKeys('paramCount'));
      const ptb = await get(`/v1/frontier?x=flops&dataset=ptb&${where({})}`);
      assert.deepEqual(ptb.points.map((p: { experiment: { id: string } }) => keyOf(p.experiment.id)), ['d', 'a']);
    });
  });

  describe('GET /v1/compare', () => {
    before(async () => {
      const curve = (id: string, pts: [number, number][]) =>
        app.db.metricPoint.createMany({
          data: pts.map(([tokens, valNll], i) => ({ experimentId: id, kind: 'epoch', epoch: i + 1, step: i + 1, tokens, seconds: i, trainNll: valNll, valNll })),
        });
      await curve(ids.a!, [[1000, 3.0], [2000, 2.0], [3000, 1.5]]);
      await curve(ids.b!, [[2000, 4.0], [4000, 2.0]]);
    });

    test('interpolates validation NLL linearly at equal tokens, null outside a curve', async () => {
      const body = await get(`/v1/compare?ids=${ids.a},${ids.b}&at=tokens&value=1500,2000,3000,500,3500`);
      assert.deepEqual(body.values, [1500, 2000, 3000, 500, 3500]);
      assert.deepEqual(body.items.map((i: { valNll: unknown }) => i.valNll), [
        [2.5, 2.0, 1.5, null, null],
        [null, 4.0, 3.0, null, 2.5],
      ]);
      assert.deepEqual(body.items[0].range, { min: 1000, max: 3000 });
    });

    test('at=flops scales tokens by flopsTrain / training tokens', async () => {
      // a: flopsTrain 100 over 3 × 10 × 8 = 240 tokens; b: 200 over 240. 1500 tokens of a = 625 FLOPs.
      const body = await get(`/v1/compare?ids=${ids.a},${ids.b}&at=flops&value=625,2500`);
      const rounded = body.items.map((i: { valNll: (number | null)[] }) => i.valNll.map((v) => (v === null ? null : Math.round(v * 1e9) / 1e9)));
      assert.deepEqual(rounded, [[2.5, null], [null, 3.0]]);
    });

    test('unknown ids are 404, malformed ones and values 400 with their index', async () => {
      await get(`/v1/compare?ids=${randomUUID()}&value=1`, 404);
      const body = await get(`/v1/compare?ids=${ids.a},nope&value=1,x`, 400);
      assert.deepEqual(body.error.issues.map((i: { path: string }) => i.path), ['/ids/1']);
      const values = await get(`/v1/compare?ids=${ids.a}&value=1,x`, 400);
      assert.deepEqual(values.error.issues.map((i: { path: string }) => i.path), ['/value/1']);
    });
  });
});
