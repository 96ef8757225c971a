// What a live stream of one experiment says, and when: its state at once, each worker progress report as it
// comes (BullMQ's event stream), each new epoch point and each status change (read from PostgreSQL every
// `pollMs`: the record, whatever Redis delivers), and its final state, after which the stream ends.
import type { ExperimentStatus, ExperimentsRepo, SweepsRepo } from '@slmlab/db';
import type { ProgressHub } from './progress.ts';
import type { SseStream } from './sse.ts';
import { sweepDetailView } from '../sweeps/views.ts';
import { summaryView } from '../experiments/views.ts';

const ENDED: ExperimentStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Runs `poll` now and every `ms` until the stream closes; never two at once. A poll that throws (PostgreSQL
 * unreachable for a moment) is simply tried again at the next tick: the stream stays open.
 */
function pollWhileOpen(sse: SseStream, ms: number, poll: () => Promise<void>) {
  let running = false;
  const tick = async () => {
    if (running || sse.closed) return;
    running = true;
    await poll().catch(() => undefined);
    running = false;
  };
  const timer = setInterval(() => void tick(), ms);
  sse.onClose(() => clearInterval(timer));
  void tick();
}

export interface LiveDeps {
  experiments: ExperimentsRepo;
  sweeps: SweepsRepo;
  hub: ProgressHub;
  pollMs: number;
}

/** Streams experiment `id` (which exists) until it ends or the client leaves. */
export function streamExperiment(deps: LiveDeps, id: string, sse: SseStream): void {
  const repo = deps.experiments;
  let lastStatus: ExperimentStatus | undefined;
  let lastStep = -1;
  sse.onClose(deps.hub.subscribe([id], (_id, progress) => sse.send('progress', { experimentId: id, ...progress })));

  pollWhileOpen(sse, deps.pollMs, async () => {
    const row = await repo.get(id);
    if (!row) return sse.end(); // deleted meanwhile
    const points = await repo.metricsAfter(id, lastStep);
    for (const p of points) {
      lastStep = p.step;
      const { epoch, step, tokens, seconds, trainNll, valNll, valNllAllTokens } = p;
      sse.send('epoch', { experimentId: id, epoch, step, tokens, seconds, trainNll, valNll, valNllAllTokens });
    }
    if (row.status !== lastStatus) {
      lastStatus = row.status;
      sse.send(ENDED.includes(row.status) ? 'end' : 'state', summaryView(row));
      if (ENDED.includes(row.status)) sse.end();
    }
  });
}

/**
 * Streams sweep `id` (which exists): `sweep` (its detail: counts and cells) at once and whenever a cell's status
 * changes, `progress` from any running cell, and `end` with the final detail once no cell is queued or running.
 * Cells a retry repoints are followed from the next poll on.
 */
export function streamSweep(deps: LiveDeps, id: string, sse: SseStream): void {
  const repo = deps.sweeps;
  let lastStatuses = '';
  let unsubscribe = () => {};
  let followed = '';
  sse.onClose(() => unsubscribe());

  pollWhileOpen(sse, deps.pollMs, async () => {
    const sweep = await repo.get(id);
    if (!sweep) return sse.end();
    const ids = sweep.cells.map((c) => c.experimentId);
    if (ids.join() !== followed) {
      unsubscribe();
      followed = ids.join();
      unsubscribe = deps.hub.subscribe(ids, (experimentId, progress) => sse.send('progress', { experimentId, ...progress }));
    }
    const statuses = sweep.cells.map((c) => c.experiment.status);
    if (statuses.join() === lastStatuses) return;
    lastStatuses = statuses.join();
    const done = statuses.every((s) => ENDED.includes(s));
    sse.send(done ? 'end' : 'sweep', sweepDetailView(sweep));
    if (done) sse.end();
  });
}
