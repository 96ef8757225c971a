// Queue and workers: what waits, runs and failed, and the live workers (backend, device, current job), read
// again every few seconds while the page is open.
import { get } from '../api/client.ts';
import type { Experiment, Page, QueueAnswer, WorkerInfo } from '../api/types.ts';
import { STATUSES } from '../api/types.ts';
import * as fmt from '../format.ts';
import { href } from '../router.ts';
import { Empty, ErrorBox, Loading, StatusBadge } from '../ui/states.tsx';
import { useApi } from '../ui/use-api.ts';

const POLL_MS = 3000;

export function QueuePage() {
  const queue = useApi(() => get<QueueAnswer>('/v1/queue'), [], { every: POLL_MS });
  const workers = useApi(() => get<{ items: WorkerInfo[] }>('/v1/workers'), [], { every: POLL_MS });
  return (
    <section>
      <h1>Queue &amp; workers</h1>
      {queue.error ? <ErrorBox error={queue.error} retry={queue.reload} /> : null}
      {queue.data ? <Counts q={queue.data} /> : !queue.error ? <Loading what="the queue" /> : null}
      <h2>Workers</h2>
      {workers.error ? <ErrorBox error={workers.error} retry={workers.reload} /> : null}
      {workers.data ? <Workers items={workers.data.items} /> : !workers.error ? <Loading what="the workers" /> : null}
      <RunList title="Running" status="running" sort="startedAt" order="asc" empty="Nothing is training." />
      <RunList title="Waiting" status="queued" sort="createdAt" order="asc" empty="Nothing waits." />
      <RunList title="Failed recently" status="failed" sort="finishedAt" order="desc" empty="No failures." />
    </section>
  );
}

function Counts({ q }: { q: QueueAnswer }) {
  return (
    <div class="grid">
      <div class="card" aria-label="experiments by status">
        <h2>Experiments</h2>
        <dl class="facts">{STATUSES.map((s) => [<dt key={`${s}t`}><StatusBadge status={s} /></dt>, <dd key={`${s}d`} data-count={s}>{q.experiments[s]}</dd>])}</dl>
      </div>
      <div class="card" aria-label="queue jobs">
        <h2>Queue jobs (BullMQ)</h2>
        <dl class="facts">{Object.entries(q.jobs).map(([k, v]) => [<dt key={`${k}t`}>{k}</dt>, <dd key={`${k}d`} data-job-count={k}>{v}</dd>])}</dl>
      </div>
      <div class="card" aria-label="workers summary">
        <h2>Workers</h2>
        <dl class="facts"><dt>live</dt><dd data-workers="live">{q.workers.live}</dd><dt>busy</dt><dd data-workers="busy">{q.workers.busy}</dd></dl>
      </div>
    </div>
  );
}

function Workers({ items }: { items: WorkerInfo[] }) {
  if (!items.length) return <Empty>No live worker. Start one with <code>npm run start:worker</code> (one per GPU; see docs/operations.md); queued runs wait for it.</Empty>;
  return (
    <div class="table-wrap">
      <table aria-label="workers">
        <thead><tr><th>worker</th><th>host</th><th>backend</th><th>device</th><th class="num">matmul peak</th><th>state</th><th>current job</th><th>since</th><th>last seen</th></tr></thead>
        <tbody>
          {items.map((w) => (
            <tr key={w.id} data-worker={w.id}>
              <td><code>{w.id}</code></td><td>{w.host} (pid {w.pid})</td><td>{w.backend}</td><td>{w.device}{w.gpuIndex !== null && w.gpuIndex !== undefined ? ` · GPU ${w.gpuIndex}` : ''}</td>
              <td class="num">{w.peakGflops ? `${w.peakGflops.toFixed(1)} GFLOP/s` : fmt.dash}</td>
              <td>{w.state}</td>
              <td data-col="currentJob">{w.currentJob ? <a href={href(`/runs/${w.currentJob.experimentId}`)}>{w.currentJob.name ?? fmt.shortId(w.currentJob.experimentId)}</a> : fmt.dash}</td>
              <td>{w.currentJob ? fmt.date(w.currentJob.since) : fmt.date(w.startedAt)}</td>
              <td>{fmt.date(w.seenAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunList({ title, status, sort, order, empty }: { title: string; status: string; sort: string; order: string; empty: string }) {
  const page = useApi(() => get<Page<Experiment>>('/v1/experiments', { status, sort, order, limit: 20 }), [status], { every: POLL_MS });
  return (
    <>
      <h2>{title}</h2>
      {page.error ? <ErrorBox error={page.error} retry={page.reload} /> : null}
      {page.data && !page.data.items.length ? <Empty>{empty}</Empty> : null}
      {page.data?.items.length ? (
        <div class="table-wrap">
          <table aria-label={title}>
            <thead><tr><th>run</th><th>model</th><th>dataset</th><th>worker</th><th>attempts</th><th>created</th><th>{status === 'failed' ? 'error' : 'started'}</th></tr></thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id} data-id={e.id}>
                  <td><a href={href(`/runs/${e.id}`)}>{e.name ?? fmt.shortId(e.id)}</a></td><td>{e.spec.model.kind}</td><td>{e.spec.dataset}</td>
                  <td>{e.worker?.workerId ?? fmt.dash}</td><td>{e.attempts}</td><td>{fmt.date(e.createdAt)}</td>
                  <td>{status === 'failed' ? <span title={e.error ?? ''}>{(e.error ?? '').slice(0, 120)}</span> : fmt.date(e.startedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.nextCursor ? <p class="hint"><a href={href('/runs', { status })}>All {status} runs</a></p> : null}
        </div>
      ) : null}
    </>
  );
}
