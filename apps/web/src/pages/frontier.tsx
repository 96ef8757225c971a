// Frontier: test NLL against compute (either FLOPs count) or parameters, log axes, every succeeded run that
// matches the filters, the Pareto front drawn through the runs no other run beats on both, and the study's own
// rows beside ours.
import { useMemo } from 'preact/hooks';
import { get } from '../api/client.ts';
import type { Experiment, FrontierAnswer, Page } from '../api/types.ts';
import { frontierOptions, type ScatterPoint } from '../charts/frontier-chart.ts';
import { PlotFigure } from '../charts/plot-figure.tsx';
import * as fmt from '../format.ts';
import { PAPER_POINTS } from '../paper.ts';
import { href, setQuery } from '../router.ts';
import { FilterPanel } from '../ui/filter-panel.tsx';
import { Empty, ErrorBox, Loading } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

const X = {
  flops: { label: 'training FLOPs (faithful)', sort: 'flopsTrain', read: (e: Experiment) => e.cost.flopsTrain, paper: 'flopsTrain' },
  flopsStudy: { label: "FLOPs (the study's count)", sort: 'flopsStudy', read: (e: Experiment) => e.cost.flopsStudy, paper: 'flopsStudy' },
  params: { label: 'parameters', sort: 'paramCount', read: (e: Experiment) => e.cost.params, paper: 'params' },
} as const;
const Y = {
  testNll: { label: 'test NLL', read: (e: Experiment) => e.result?.testNll ?? null },
  bestValNll: { label: 'best validation NLL', read: (e: Experiment) => e.result?.bestValNll ?? null },
  testNllAllTokens: { label: 'test NLL, all tokens', read: (e: Experiment) => e.result?.testNllAllTokens ?? null },
} as const;
type XKey = keyof typeof X;
type YKey = keyof typeof Y;

/** The scatter reads at most this many runs (cheapest first); the front itself is computed by the API over all. */
export const MAX_SCATTER = 2000;
const FILTERS = ['dataset', 'modelKind', 'sweep', 'where'] as const;

export function FrontierPage({ query }: { query: URLSearchParams }) {
  const x = ((Object.keys(X) as XKey[]).find((k) => k === query.get('x')) ?? 'flops') as XKey;
  const y = ((Object.keys(Y) as YKey[]).find((k) => k === query.get('y')) ?? 'testNll') as YKey;
  const logX = query.get('logx') !== '0';
  const logY = query.get('logy') === '1';
  const showPaper = query.get('paper') !== '0';
  const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k)]));
  const data = useApi(() => load(x, y, filters), [x, y, JSON.stringify(filters)]);
  const paper = useMemo(() => paperPoints(x, y, filters), [x, y, filters.dataset, filters.modelKind]);
  return (
    <section>
      <h1>Frontier</h1>
      <FilterPanel query={query} error={data.error} statusFilter={false} />
      <div class="toolbar">
        <label class="inline">x
          <select name="x" value={x} onChange={(e) => setQuery({ x: e.currentTarget.value }, { replace: true })}>
            {(Object.keys(X) as XKey[]).map((k) => <option key={k} value={k}>{X[k].label}</option>)}
          </select>
        </label>
        <label class="inline">y
          <select name="y" value={y} onChange={(e) => setQuery({ y: e.currentTarget.value }, { replace: true })}>
            {(Object.keys(Y) as YKey[]).map((k) => <option key={k} value={k}>{Y[k].label}</option>)}
          </select>
        </label>
        <label class="inline"><input type="checkbox" checked={logX} onChange={() => setQuery({ logx: logX ? '0' : null }, { replace: true })} /> log x</label>
        <label class="inline"><input type="checkbox" checked={logY} onChange={() => setQuery({ logy: logY ? null : '1' }, { replace: true })} /> log y</label>
        <label class="inline"><input type="checkbox" checked={showPaper} onChange={() => setQuery({ paper: showPaper ? '0' : null }, { replace: true })} /> the study's rows (×)</label>
      </div>
      {data.error ? <ErrorBox error={data.error} retry={data.reload} /> : null}
      {!data.data && data.loading ? <Loading what="the runs and the front" /> : null}
      {data.data ? <FrontierView d={data.data} paper={showPaper ? paper : []} x={x} y={y} logX={logX} logY={logY} /> : null}
    </section>
  );
}

interface Loaded {
  runs: Experiment[];
  truncated: boolean;
  front: FrontierAnswer;
}

async function load(x: XKey, y: YKey, filters: Record<string, string | null>): Promise<Loaded> {
  const front = get<FrontierAnswer>('/v1/frontier', { x, y, ...filters });
  const runs: Experiment[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Experiment> = await get<Page<Experiment>>('/v1/experiments', { status: 'succeeded', sort: X[x].sort, order: 'asc', limit: 100, cursor, ...filters });
    runs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && runs.length < MAX_SCATTER);
  return { runs, truncated: !!cursor, front: await front };
}

function paperPoints(x: XKey, y: YKey, filters: Record<string, string | null>): ScatterPoint[] {
  if (y !== 'testNll') return []; // the study reports test NLL only
  return PAPER_POINTS.filter((p) => (!filters.dataset || p.spec.dataset === filters.dataset) && (!filters.modelKind || p.spec.model.kind === filters.modelKind))
    .map((p) => ({ x: p[X[x].paper], y: p.testNll, kind: p.spec.model.kind, label: `the study: ${p.row}` }));
}

function point(e: Experiment, x: XKey, y: YKey): ScatterPoint | undefined {
  const xv = X[x].read(e);
  const yv = Y[y].read(e);
  if (xv === null || yv === null) return undefined;
  return { x: xv, y: yv, kind: e.spec.model.kind, label: e.name ?? e.id, id: e.id };
}

function FrontierView({ d, paper, x, y, logX, logY }: { d: Loaded; paper: ScatterPoint[]; x: XKey; y: YKey; logX: boolean; logY: boolean }) {
  const runs = d.runs.map((e) => point(e, x, y)).filter((p): p is ScatterPoint => !!p);
  const front = d.front.points.map((p) => ({ x: p.x, y: p.y, kind: p.experiment.spec.model.kind, label: p.experiment.name ?? p.experiment.id, id: p.experiment.id }));
  const options = useMemo(() => frontierOptions(runs, front, paper, { xLabel: X[x].label, yLabel: Y[y].label, logX, logY }), [d, paper, x, y, logX, logY]);
  if (!runs.length && !paper.length) return <Empty>No succeeded run matches these filters yet. <a href={href('/new')}>Submit one</a> or start a sweep.</Empty>;
  return (
    <>
      <div class="card frontier" data-points={runs.length} data-front={front.length} data-paper={paper.length}>
        <p class="hint">
          {runs.length} run{runs.length === 1 ? '' : 's'}{d.truncated ? ` (the ${MAX_SCATTER} cheapest; the front is over all)` : ''}, {front.length} on the Pareto front
          {paper.length ? `, ${paper.length} of the study's rows (×, priced by our cost model)` : ''}. Hover a point for the run.
        </p>
        <PlotFigure options={options} label={`${Y[y].label} against ${X[x].label}`} />
      </div>
      <div class="card">
        <h2>On the front</h2>
        <table aria-label="Pareto front">
          <thead><tr><th>run</th><th>model</th><th class="num">{X[x].label}</th><th class="num">{Y[y].label}</th></tr></thead>
          <tbody>
            {front.map((p) => (
              <tr key={p.id} data-id={p.id}><td><a href={href(`/runs/${p.id}`)}>{p.label}</a></td><td>{p.kind}</td><td class="num">{x === 'params' ? fmt.count(p.x) : fmt.flops(p.x)}</td><td class="num">{fmt.nll(p.y)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
