// One sweep: its table (mean ± std over seeds, both FLOPs counts, best epochs) and a chart of it, each cell's
// status live from the sweep's event stream, retry of the failed cells and cancel.
import { useMemo, useState } from 'preact/hooks';
import { del, get, post } from '../api/client.ts';
import type { Progress, Sweep, SweepCell, SweepTable } from '../api/types.ts';
import { sweepChartOptions } from '../charts/sweep-chart.ts';
import { PlotFigure } from '../charts/plot-figure.tsx';
import * as fmt from '../format.ts';
import { href, setQuery, useLocation } from '../router.ts';
import { download } from '../ui/download.ts';
import { useEvents } from '../ui/live.ts';
import { Empty, ErrorBox, Loading, StatusBadge } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { Counts } from './sweeps.tsx';

export function SweepPage({ id }: { id: string }) {
  const sweep = useApi(() => get<Sweep>(`/v1/sweeps/${id}`), [id]);
  const [version, setVersion] = useState(0); // bumped when a cell's status changes: the table is read again
  const table = useApi(() => get<SweepTable>(`/v1/sweeps/${id}/table`), [id, version]);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const live = sweep.data && (sweep.data.counts.queued > 0 || sweep.data.counts.running > 0);
  useEvents(live ? `/v1/sweeps/${id}/events` : null, ({ event, data }) => {
    if (event === 'progress') setProgress((p) => ({ ...p, [(data as Progress).experimentId]: data as Progress }));
    else if (event === 'sweep' || event === 'end') {
      sweep.set(() => data as Sweep);
      setVersion((v) => v + 1);
    }
  });
  if (sweep.error && !sweep.data) return <ErrorBox error={sweep.error} retry={sweep.reload} />;
  if (!sweep.data) return <Loading what="the sweep" />;
  const s = sweep.data;
  const refresh = () => (sweep.reload(), setVersion((v) => v + 1));
  return (
    <section>
      <SweepHeader s={s} onChange={refresh} />
      {table.error ? <ErrorBox error={table.error} retry={table.reload} /> : null}
      {table.data ? <TableCard t={table.data} /> : <Loading what="the sweep's table" />}
      {table.data ? <ChartCard t={table.data} /> : null}
      <Cells cells={s.cells ?? []} progress={progress} />
    </section>
  );
}

function SweepHeader({ s, onChange }: { s: Sweep; onChange: () => void }) {
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState('');
  const retryable = s.counts.failed + s.counts.cancelled;
  const cancellable = s.counts.queued + s.counts.running;
  const retry = () => post<{ retried: unknown[] }>(`/v1/sweeps/${s.id}/retry`).then((r) => (setNote(`${r.retried.length} cell(s) submitted again`), onChange()), setError);
  const cancel = () => del<{ cancelled: number; cancelRequested: number }>(`/v1/sweeps/${s.id}`).then((r) => (setNote(`${r.cancelled} cancelled, ${r.cancelRequested} asked to stop`), onChange()), setError);
  return (
    <>
      <div class="toolbar">
        <h1 style="margin:0">{s.name ?? `Sweep ${fmt.shortId(s.id)}`}</h1>
        <Counts counts={s.counts} />
        <code>{s.id}</code>
      </div>
      <p class="hint">
        {Object.entries(s.axes).map(([k, v]) => `${k} ∈ {${v.map(fmt.value).join(', ')}}`).join(' × ')}
        {s.seeds.length ? ` × seeds {${s.seeds.join(', ')}}` : ''} = {s.cellCount} cells · created {fmt.date(s.createdAt)}
      </p>
      <div class="toolbar">
        <button type="button" disabled={!retryable} onClick={retry}>Retry failed cells ({retryable})</button>
        <button type="button" class="danger" disabled={!cancellable} onClick={cancel}>Cancel sweep ({cancellable})</button>
        <a href={href('/runs', { sweep: s.id })}>Its runs</a>
        <a href={href('/frontier', { sweep: s.id })}>Its frontier</a>
        <button type="button" class="link" onClick={() => download(`/v1/sweeps/${s.id}/table?format=csv`, `sweep-${s.id}.csv`).catch(setError)}>Table as CSV</button>
        <button type="button" class="link" onClick={() => download(`/v1/sweeps/${s.id}/table?format=md`, `sweep-${s.id}.md`).catch(setError)}>as Markdown</button>
        {note ? <span class="hint" role="status">{note}</span> : null}
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}

function TableCard({ t }: { t: SweepTable }) {
  return (
    <div class="card">
      <h2>Table</h2>
      <div class="table-wrap">
        <table aria-label="sweep table">
          <thead>
            <tr>
              {t.axes.map((a) => <th key={a}>{a}</th>)}
              <th class="num">params</th><th class="num">study FLOPs</th><th class="num">train FLOPs</th><th class="num">seeds done</th>
              <th class="num">test NLL (mean ± std)</th><th class="num">best epoch</th><th>cells</th>
            </tr>
          </thead>
          <tbody>
            {t.rows.map((r, i) => (
              <tr key={i} data-row={i}>
                {t.axes.map((a) => <td key={a}>{fmt.value(r.axes[a])}</td>)}
                <td class="num">{fmt.count(r.params)}</td><td class="num">{fmt.flops(r.flopsStudy)}</td><td class="num">{fmt.flops(r.flopsTrain)}</td>
                <td class="num">{r.n} / {r.cells}</td>
                <td class="num" data-col="testNll">{r.testNllMean === null ? fmt.dash : `${fmt.nll(r.testNllMean)}${r.testNllStd !== null ? ` ± ${fmt.nll(r.testNllStd)}` : ''}`}</td>
                <td class="num" title={r.bestEpochs.length ? `per seed: ${r.bestEpochs.join(', ')}` : ''}>{r.bestEpochMean === null ? fmt.dash : `${Number(r.bestEpochMean.toFixed(2))}${r.bestEpochs.length > 1 ? ` (${r.bestEpochs.join(', ')})` : ''}`}</td>
                <td><Counts counts={r.counts} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ChartCard({ t }: { t: SweepTable }) {
  const { query } = useLocation();
  const axis = t.axes.includes(query.get('axis') ?? '') ? query.get('axis')! : t.axes[0];
  const logX = query.get('logx') === '1';
  const options = useMemo(() => (axis ? sweepChartOptions(t.rows, axis, t.axes.filter((a) => a !== axis), logX) : undefined), [t, axis, logX]);
  if (!axis || !options) return null;
  const done = t.rows.filter((r) => r.testNllMean !== null).length;
  return (
    <div class="card">
      <div class="toolbar">
        <h2 style="margin:0">Test NLL against</h2>
        <select aria-label="chart axis" value={axis} onChange={(e) => setQuery({ axis: e.currentTarget.value }, { replace: true })}>
          {t.axes.map((a) => <option key={a} value={a}>{a}</option>)}
        </select>
        <label class="inline"><input type="checkbox" checked={logX} onChange={() => setQuery({ logx: logX ? null : '1' }, { replace: true })} /> log x</label>
      </div>
      {done ? <PlotFigure options={options} label={`test NLL against ${axis}`} /> : <Empty>No row has a succeeded seed yet: the chart fills in as cells finish.</Empty>}
    </div>
  );
}

function Cells({ cells, progress }: { cells: SweepCell[]; progress: Record<string, Progress> }) {
  return (
    <div class="card">
      <h2>Cells</h2>
      <div class="table-wrap">
        <table aria-label="sweep cells">
          <thead><tr><th class="num">#</th><th>axes</th><th class="num">seed</th><th>status</th><th class="num">test NLL</th><th>progress</th><th>run</th></tr></thead>
          <tbody>
            {cells.map((c) => {
              const p = c.status === 'running' ? progress[c.experimentId] : undefined;
              return (
                <tr key={c.index} data-cell={c.index} data-status={c.status}>
                  <td class="num">{c.index}</td>
                  <td>{Object.entries(c.axes).map(([k, v]) => `${k}=${fmt.value(v)}`).join(', ')}</td>
                  <td class="num">{fmt.value(c.seed)}</td>
                  <td><StatusBadge status={c.status} /></td>
                  <td class="num">{fmt.nll(c.testNll)}</td>
                  <td>{p ? `epoch ${p.epoch}, ${Math.round((100 * p.step) / Math.max(1, p.totalSteps))}%` : ''}</td>
                  <td>
                    <a href={href(`/runs/${c.experimentId}`)}>{fmt.shortId(c.experimentId)}</a>
                    {c.replacedExperimentIds.length ? <span class="hint"> (retry of {c.replacedExperimentIds.map(fmt.shortId).join(', ')})</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
