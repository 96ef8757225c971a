// An experiment as one bundle file (packages/core bundle/): its record, every curve point and every checkpoint,
// read as of one moment. A running experiment can be exported too (a snapshot: it goes on training here).
import { encodeBundle, NotFoundError, SLMLAB_VERSION, type BundleContent } from '@slmlab/core';
import type { ExperimentSnapshot } from '@slmlab/db';
import type { TransferDeps } from './deps.ts';
import { resultFields } from '../experiments/views.ts';

export async function exportBundle(deps: TransferDeps, id: string): Promise<Buffer> {
  const snapshot = await deps.transfer.snapshot(id);
  if (!snapshot) throw new NotFoundError('experiment', id);
  const source = { deploymentId: deps.deploymentId, exportedAt: new Date().toISOString(), slmlabVersion: SLMLAB_VERSION };
  return encodeBundle(bundleContent(snapshot, source));
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function bundleContent({ experiment: e, points, checkpoints }: ExperimentSnapshot, source: BundleContent['source']): BundleContent {
  return {
    source,
    experiment: {
      id: e.id,
      specVersion: e.specVersion,
      spec: e.spec,
      status: e.status,
      attempts: e.attempts,
      createdAt: e.createdAt.toISOString(),
      startedAt: iso(e.startedAt),
      finishedAt: iso(e.finishedAt),
      cancelRequestedAt: iso(e.cancelRequestedAt),
      error: e.error,
      result: resultFields(e),
    },
    curve: points.map((p) => ({
      kind: p.kind,
      epoch: p.epoch,
      step: p.step,
      tokens: p.tokens,
      seconds: p.seconds,
      trainNll: p.trainNll,
      valNll: p.valNll,
      valNllAllTokens: p.valNllAllTokens,
    })),
    checkpoints: checkpoints.map((c) => ({ tag: c.tag, epoch: c.epoch, step: c.step, format: c.format, createdAt: c.createdAt.toISOString(), data: c.data })),
  };
}
