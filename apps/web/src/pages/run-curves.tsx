// A run's learning curves: validation and training NLL per epoch from the curves API, plus, while it trains,
// the worker's live training loss from the event stream. The x-axis and log scales are in the URL.
import { useMemo } from 'preact/hooks';
import { get } from '../api/client.ts';
import type { Curve, Experiment, Progress, XAxis } from '../api/types.ts';
import { curveOptions, X_LABELS, type CurveSeries } from '../charts/curves.ts';
import { PlotFigure } from '../charts/plot-figure.tsx';
import { setQuery } from '../router.ts';
import { Empty, ErrorBox } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

export const X_AXES: XAxis[] = ['step', 'tokens', 'flops', 'seconds'];

/** Where a live progress report (a step) falls on each x-axis; null where it cannot be placed (seconds). */
function liveX(e: Experiment, p: Progress, x: XAxis): number | null {
  const t = e.spec.training;
  const tokens = p.step * t.batchSize * e.spec.model.contextLength;
  if (x === 'step') return p.step;
  if (x === 'tokens') return tokens;
  if (x === 'flops' && e.cost.flopsTrain) return tokens * (e.cost.flopsTrain / (t.windowsPerEpoch * t.epochs * e.spec.model.contextLength));
  return null;
}

export function RunCurves({ experiment, epochs, live, query }: { experiment: Experiment; epochs: number; live: Progress[]; query: URLSearchParams }) {
  const x = (X_AXES.find((a) => a === query.get('x')) ?? 'step') as XAxis;
  const logX = query.get('logx') === '1';
  const logY = query.get('logy') === '1';
  // `epochs` (points seen on the event stream) changes when a new epoch lands: read the curve again.
  const curve = useApi(() => get<Curve>(`/v1/experiments/${experiment.id}/metrics`, { x, points: 500 }), [experiment.id, x, epochs]);
  const series = useMemo(() => {
    const pts = curve.data?.points ?? [];
    const out: CurveSeries[] = [
      { label: 'validation NLL', points: pts.filter((p) => p.valNll !== null).map((p) => ({ x: p.x, y: p.valNll! })) },
      { label: 'train NLL (epoch mean)', points: pts.filter((p) => p.trainNll !== null).map((p) => ({ x: p.x, y: p.trainNll! })) },
    ];
    const liveSeries = live.map((p) => ({ x: liveX(experiment, p, x), y: p.loss })).filter((p): p is { x: number; y: number } => p.x !== null);
    if (liveSeries.length) out.push({ label: 'train loss (live)', points: liveSeries, dashed: true });
    return out;
  }, [curve.data, live, x]);
  const valPoints = series[0]!.points.length;
  return (
    <div class="card curve" data-points={valPoints} data-live-points={live.length}>
      <div class="toolbar">
        <h2 style="margin:0">Learning curves</h2>
        <label class="inline">
          x-axis
          <select name="x" value={x} onChange={(e) => setQuery({ x: e.currentTarget.value }, { replace: true })}>
            {X_AXES.map((a) => <option key={a} value={a}>{X_LABELS[a]}</option>)}
          </select>
        </label>
        <label class="inline"><input type="checkbox" name="logx" checked={logX} onChange={() => setQuery({ logx: logX ? null : '1' }, { replace: true })} /> log x</label>
        <label class="inline"><input type="checkbox" name="logy" checked={logY} onChange={() => setQuery({ logy: logY ? null : '1' }, { replace: true })} /> log y</label>
        <span class="hint" aria-live="polite">{valPoints} epoch point{valPoints === 1 ? '' : 's'}{live.length ? `, ${live.length} live` : ''}{curve.data && curve.data.total > curve.data.points.length ? ` (${curve.data.points.length} of ${curve.data.total} shown)` : ''}</span>
      </div>
      {curve.error ? <ErrorBox error={curve.error} retry={curve.reload} /> : null}
      {valPoints || live.length
        ? <PlotFigure options={curveOptions(series, { x, logX, logY })} label={`learning curves of ${experiment.name ?? experiment.id} against ${X_LABELS[x]}`} />
        : <Empty>{experiment.status === 'queued' ? 'Waiting for a worker: the curve starts with the first progress report.' : experiment.status === 'running' ? 'Training: the first point comes with the first progress report.' : 'No points were recorded for this run.'}</Empty>}
      {x === 'seconds' && live.length ? <p class="hint">The live training loss has no time axis; switch to step, tokens or FLOPs to see it.</p> : null}
    </div>
  );
}
