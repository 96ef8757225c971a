// One run: what it is (spec, cost), where it ran (backend, device), how it did (result, curves), live while it
// trains; checkpoints to download, cancel, and resubmit with changes.
import { useState } from 'preact/hooks';
import { estimateMemoryBytes } from '@slmlab/core/cost';
import { get, post } from '../api/client.ts';
import type { EpochEvent, Experiment, ExperimentDetail, Progress } from '../api/types.ts';
import * as fmt from '../format.ts';
import { href, useLocation } from '../router.ts';
import { download } from '../ui/download.ts';
import { useEvents } from '../ui/live.ts';
import { ErrorBox, Loading, StatusBadge } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';
import { RunCurves } from './run-curves.tsx';

const LIVE_POINTS = 2000;

export function RunPage({ id }: { id: string }) {
  const { query } = useLocation();
  const run = useApi(() => get<ExperimentDetail>(`/v1/experiments/${id}`), [id]);
  const [progress, setProgress] = useState<Progress[]>([]);
  const [epochs, setEpochs] = useState(0);
  const live = run.data && (run.data.status === 'queued' || run.data.status === 'running');
  useEvents(live ? `/v1/experiments/${id}/events` : null, ({ event, data }) => {
    if (event === 'progress') setProgress((p) => [...p.slice(-LIVE_POINTS + 1), data as Progress]);
    else if (event === 'epoch') setEpochs((n) => Math.max(n, (data as EpochEvent).epoch));
    else if (event === 'state' || event === 'end') {
      run.set((old) => (old ? { ...old, ...(data as Experiment) } : old));
      if (event === 'end') run.reload(); // checkpoints and the final curve
    }
  });
  if (run.error && !run.data) return <ErrorBox error={run.error} retry={run.reload} />;
  if (!run.data) return <Loading what="the run" />;
  const e = run.data;
  return (
    <section>
      <RunHeader e={e} onChange={run.reload} />
      {query.get('duplicate') ? <p class="state empty" role="status">This spec had already been submitted (and has not failed or been cancelled): this is that run. Tick "run again" on the form to train it anew.</p> : null}
      {e.status === 'running' ? <ProgressBar p={progress.at(-1)} /> : null}
      {e.error ? <div class="state error" role="alert"><strong>Error</strong>: {e.error}</div> : null}
      <RunCurves experiment={e} epochs={epochs} live={e.status === 'running' ? progress : []} query={query} />
      <div class="grid">
        <Facts title="Result" rows={resultRows(e)} />
        <Facts title="Cost" rows={costRows(e)} />
        <Facts title="Where it ran" rows={whereRows(e)} />
      </div>
      <div class="grid">
        <div class="card"><h2>Spec</h2><pre class="mono" aria-label="spec">{JSON.stringify(e.spec, null, 2)}</pre></div>
        <Checkpoints e={e} />
      </div>
    </section>
  );
}

function RunHeader({ e, onChange }: { e: Experiment; onChange: () => void }) {
  const [error, setError] = useState<Error>();
  const cancel = () => post(`/v1/experiments/${e.id}/cancel`).then(onChange, setError);
  return (
    <>
      <div class="toolbar">
        <h1 style="margin:0">{e.name ?? `Run ${fmt.shortId(e.id)}`}</h1>
        <StatusBadge status={e.status} />
        <code title="experiment id">{e.id}</code>
        <span class="hint">{e.spec.dataset} · {e.spec.model.kind} · created {fmt.date(e.createdAt)}</span>
      </div>
      <div class="toolbar">
        {(e.status === 'queued' || e.status === 'running') && !e.cancelRequestedAt ? <button type="button" class="danger" onClick={cancel}>Cancel</button> : null}
        {e.cancelRequestedAt && e.status === 'running' ? <span class="hint">Cancel requested {fmt.date(e.cancelRequestedAt)}: the worker stops at its next check.</span> : null}
        <a href={href('/new', { from: e.id })}>Resubmit with changes</a>
        <a href={href('/runs', { where: JSON.stringify({ dataset: e.spec.dataset, modelKind: e.spec.model.kind }) })}>Similar runs</a>
        <a href={`/v1/experiments/${e.id}`} target="_blank" rel="noopener">JSON</a>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}

function ProgressBar({ p }: { p: Progress | undefined }) {
  if (!p) return <p class="hint" aria-live="polite">Running: waiting for the first progress report…</p>;
  const pct = Math.min(100, (100 * p.step) / Math.max(1, p.totalSteps));
  return (
    <div class="card" aria-live="polite">
      <div class="progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}><div style={`width:${pct}%`} /></div>
      <p class="hint">epoch {p.epoch} · step {p.step} of {p.totalSteps} · loss {fmt.nll(p.loss)} · {fmt.count(p.tokensPerSec)} tokens/s · ETA {fmt.duration(p.etaSeconds)}</p>
    </div>
  );
}

type Row = [string, string];
function Facts({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <div class="card" aria-label={title}>
      <h2>{title}</h2>
      <dl class="facts">{rows.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`} data-fact={k}>{v}</dd>])}</dl>
    </div>
  );
}

function resultRows(e: Experiment): Row[] {
  const r = e.result;
  if (!r) return [['status', e.status === 'succeeded' ? 'no result' : `${e.status}: the result comes when it succeeds`]];
  return [
    ['test NLL', fmt.nll(r.testNll)],
    ['best validation NLL', fmt.nll(r.bestValNll)],
    ['best epoch', fmt.value(r.bestEpoch)],
    ['test NLL, all tokens', fmt.nll(r.testNllAllTokens)],
    ['wall time', fmt.duration(r.wallSeconds)],
    ['tokens/s', fmt.count(r.tokensPerSec)],
    ['GFLOP/s', r.gflops === null ? fmt.dash : r.gflops.toFixed(1)],
    ['MFU', r.mfu === null ? fmt.dash : `${(r.mfu * 100).toFixed(1)}%`],
  ];
}

function costRows(e: Experiment): Row[] {
  return [
    ['parameters', `${fmt.count(e.cost.params)} (${e.cost.params.toLocaleString()})`],
    ['training FLOPs (faithful)', fmt.flops(e.cost.flopsTrain)],
    ["study's FLOPs count", fmt.flops(e.cost.flopsStudy)],
    ['training memory (estimate)', fmt.bytes(estimateMemoryBytes(e.spec))],
    ['attempts', String(e.attempts)],
  ];
}

function whereRows(e: Experiment): Row[] {
  const w = e.worker;
  return [
    ['backend', w?.backend ?? fmt.dash],
    ['device', w?.device ?? fmt.dash],
    ['worker', w?.workerId ?? fmt.dash],
    ['started', fmt.date(e.startedAt)],
    ['finished', fmt.date(e.finishedAt)],
  ];
}

function Checkpoints({ e }: { e: ExperimentDetail }) {
  const [error, setError] = useState<Error>();
  return (
    <div class="card">
      <h2>Checkpoints</h2>
      {e.checkpoints.length ? (
        <div class="table-wrap"><table aria-label="checkpoints">
          <thead><tr><th>tag</th><th class="num">epoch</th><th class="num">step</th><th class="num">size</th><th>saved</th><th /></tr></thead>
          <tbody>
            {e.checkpoints.map((c) => (
              <tr key={c.id}>
                <td>{c.tag}</td><td class="num">{c.epoch}</td><td class="num">{c.step}</td><td class="num">{fmt.bytes(c.sizeBytes)}</td><td>{fmt.date(c.createdAt)}</td>
                <td><button type="button" onClick={() => download(`/v1/experiments/${e.id}/checkpoints/${c.id}`, `${e.id}-${c.tag}.ckpt`).catch(setError)}>Download</button></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      ) : <p class="hint">None yet: workers save one at each epoch's best validation and at the end (docs/api.md).</p>}
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}
