// Compare: several runs' validation curves on one x (training FLOPs by default), their NLL at equal compute
// (the API's interpolation at points inside the range every run reached), and a diff of their specs.
import { useMemo, useState } from 'preact/hooks';
import { get } from '../api/client.ts';
import type { CompareAnswer, Curve, Experiment, XAxis } from '../api/types.ts';
import { curveOptions, X_LABELS, type CurveSeries } from '../charts/curves.ts';
import { PlotFigure } from '../charts/plot-figure.tsx';
import * as fmt from '../format.ts';
import { href, setQuery } from '../router.ts';
import { Empty, ErrorBox, Loading, StatusBadge } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { X_AXES } from './run-curves.tsx';
import { specDiff } from './spec-diff.ts';

interface Loaded {
  runs: Experiment[];
  curves: Curve[];
  compare: CompareAnswer | null;
  /** Whether the compared values lie inside every run's range (else some cells are blank). */
  common: boolean;
}

export function ComparePage({ query }: { query: URLSearchParams }) {
  const ids = (query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const x = (X_AXES.find((a) => a === query.get('x')) ?? 'flops') as XAxis;
  const logX = query.get('logx') !== '0' && (x === 'flops' || x === 'tokens');
  const data = useApi(() => (ids.length ? load(ids, x) : Promise.resolve(undefined)), [ids.join(','), x]);
  if (!ids.length) return <section><h1>Compare</h1><PickRuns /></section>;
  return (
    <section>
      <h1>Compare {ids.length} runs</h1>
      <div class="toolbar">
        <label class="inline">
          shared x
          <select name="x" value={x} onChange={(e) => setQuery({ x: e.currentTarget.value }, { replace: true })}>
            {X_AXES.map((a) => <option key={a} value={a}>{X_LABELS[a]}</option>)}
          </select>
        </label>
        {x === 'flops' || x === 'tokens' ? <label class="inline"><input type="checkbox" checked={logX} onChange={() => setQuery({ logx: logX ? '0' : null }, { replace: true })} /> log x</label> : null}
        <a href={href('/runs')}>Pick other runs</a>
      </div>
      {data.error ? <ErrorBox error={data.error} retry={data.reload} /> : null}
      {!data.data && data.loading ? <Loading what="the runs and their curves" /> : null}
      {data.data ? <Comparison d={data.data} x={x} logX={logX} /> : null}
    </section>
  );
}

async function load(ids: string[], x: XAxis): Promise<Loaded> {
  const [runs, curves] = await Promise.all([
    Promise.all(ids.map((id) => get<Experiment>(`/v1/experiments/${id}`))),
    Promise.all(ids.map((id) => get<Curve>(`/v1/experiments/${id}/metrics`, { x, points: 500 }))),
  ]);
  const { values, common } = compareValues(curves, x === 'flops' || x === 'tokens');
  const compare = values.length ? await get<CompareAnswer>('/v1/compare', { ids: ids.join(','), at: x, value: values.join(',') }) : null;
  return { runs, curves, compare, common };
}

/** Five values inside the x range every curve covers (log-spaced for FLOPs and tokens); the union if none. */
export function compareValues(curves: Curve[], log: boolean): { values: number[]; common: boolean } {
  const ranges = curves.map((c) => c.points.filter((p) => p.valNll !== null).map((p) => p.x)).filter((xs) => xs.length).map((xs) => [Math.min(...xs), Math.max(...xs)] as const);
  if (!ranges.length) return { values: [], common: false };
  let lo = Math.max(...ranges.map((r) => r[0]));
  let hi = Math.min(...ranges.map((r) => r[1]));
  const common = lo <= hi;
  if (!common) [lo, hi] = [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
  if (lo === hi) return { values: [lo], common };
  const n = 5;
  const at = (i: number) => (log && lo > 0 ? lo * (hi / lo) ** (i / (n - 1)) : lo + ((hi - lo) * i) / (n - 1));
  return { values: Array.from({ length: n }, (_, i) => Number(at(i).toPrecision(4))), common };
}

function labels(runs: Experiment[]): string[] {
  const base = runs.map((r) => r.name ?? fmt.shortId(r.id));
  return base.map((b, i) => (base.indexOf(b) !== base.lastIndexOf(b) ? `${b} (${fmt.shortId(runs[i]!.id)})` : b));
}

function Comparison({ d, x, logX }: { d: Loaded; x: XAxis; logX: boolean }) {
  const names = labels(d.runs);
  const series: CurveSeries[] = d.curves.map((c, i) => ({ label: names[i]!, points: c.points.filter((p) => p.valNll !== null).map((p) => ({ x: p.x, y: p.valNll! })) }));
  const options = useMemo(() => curveOptions(series, { x, logX, logY: false }), [d, x, logX]);
  return (
    <>
      <div class="card" data-series={series.length}>
        <h2>Validation NLL against {X_LABELS[x]}</h2>
        {series.some((s) => s.points.length) ? <PlotFigure options={options} label={`validation curves of ${names.join(', ')}`} /> : <Empty>None of these runs has finished an epoch yet.</Empty>}
      </div>
      <RunsSummary runs={d.runs} names={names} />
      {d.compare ? <EqualCompute c={d.compare} names={names} x={x} common={d.common} /> : null}
      <SpecDiff runs={d.runs} names={names} />
    </>
  );
}

function RunsSummary({ runs, names }: { runs: Experiment[]; names: string[] }) {
  return (
    <div class="card">
      <h2>Runs</h2>
      <div class="table-wrap">
        <table aria-label="compared runs">
          <thead><tr><th>run</th><th>status</th><th class="num">params</th><th class="num">train FLOPs</th><th class="num">study FLOPs</th><th class="num">test NLL</th><th class="num">best val NLL</th><th class="num">best epoch</th></tr></thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.id}>
                <td><a href={href(`/runs/${r.id}`)}>{names[i]}</a></td><td><StatusBadge status={r.status} /></td>
                <td class="num">{fmt.count(r.cost.params)}</td><td class="num">{fmt.flops(r.cost.flopsTrain)}</td><td class="num">{fmt.flops(r.cost.flopsStudy)}</td>
                <td class="num">{fmt.nll(r.result?.testNll)}</td><td class="num">{fmt.nll(r.result?.bestValNll)}</td><td class="num">{fmt.value(r.result?.bestEpoch)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function EqualCompute({ c, names, x, common }: { c: CompareAnswer; names: string[]; x: XAxis; common: boolean }) {
  const best = c.values.map((_, j) => Math.min(...c.items.map((it) => it.valNll[j] ?? Infinity)));
  const show = (v: number) => (x === 'flops' ? fmt.flops(v) : x === 'tokens' ? fmt.count(v) : fmt.value(v));
  return (
    <div class="card">
      <h2>Validation NLL at equal {X_LABELS[x]}</h2>
      <p class="hint">
        Each run's curve interpolated linearly at the same x (GET /v1/compare); best in bold.
        {common ? ' The values span the range every run reached.' : ' The runs share no range: a blank cell is outside that run\'s curve (never extrapolated).'}
      </p>
      <div class="table-wrap">
        <table aria-label="NLL at equal compute">
          <thead><tr><th>run</th>{c.values.map((v) => <th key={v} class="num">{show(v)}</th>)}</tr></thead>
          <tbody>
            {c.items.map((it, i) => (
              <tr key={it.id}>
                <td>{names[i]}</td>
                {it.valNll.map((v, j) => <td key={j} class="num" style={v !== null && v === best[j] ? 'font-weight:700' : ''}>{fmt.nll(v)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SpecDiff({ runs, names }: { runs: Experiment[]; names: string[] }) {
  const [all, setAll] = useState(false);
  const rows = specDiff(runs.map((r) => r.spec as unknown as Record<string, unknown>));
  const shown = all ? rows : rows.filter((r) => r.differs);
  return (
    <div class="card">
      <div class="toolbar">
        <h2 style="margin:0">Spec diff</h2>
        <label class="inline"><input type="checkbox" checked={all} onChange={() => setAll(!all)} /> show equal fields too</label>
        <span class="hint">{rows.filter((r) => r.differs).length} of {rows.length} fields differ</span>
      </div>
      <div class="table-wrap">
        <table aria-label="spec diff">
          <thead><tr><th>field</th>{names.map((n) => <th key={n}>{n}</th>)}</tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.path} class={r.differs ? 'diff' : 'diff-same'} data-path={r.path}>
                <td><code>{r.path}</code></td>{r.values.map((v, i) => <td key={i}>{fmt.value(v)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PickRuns() {
  const [text, setText] = useState('');
  return (
    <Empty>
      <p>Pick two or more runs on the <a href={href('/runs')}>Runs</a> page (tick them, then "Compare selected"), or paste their ids:</p>
      <form class="row" onSubmit={(e) => (e.preventDefault(), setQuery({ ids: text.split(/[\s,]+/).filter(Boolean).join(',') }))}>
        <input aria-label="run ids" size={80} value={text} placeholder="id, id, …" onInput={(e) => setText(e.currentTarget.value)} />
        <button type="submit" class="primary">Compare</button>
      </form>
    </Empty>
  );
}
