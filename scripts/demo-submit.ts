// Submits one small real experiment (the study's linear model, T=32, two short epochs), follows it to the end,
// and says what it was, what its NLL means and what to try next (each with its size).
import { parseSpec, type ExperimentSpec } from '@slmlab/core';
import { describeEstimate, estimateRun, sumEstimates } from '../apps/worker/src/cli/estimate.ts';
import { describeRun, explainNll } from '../apps/worker/src/cli/explain.ts';

const base = process.argv[2] ?? 'http://127.0.0.1:3000';

const spec = {
  name: 'demo: linear, T=32',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 32 },
  training: { epochs: 2, windowsPerEpoch: 10_000, evalWindows: 5_000 },
};
const resolved = parseSpec(spec); // what the API resolves it to: every default filled in

// ?force=true: the demo shows the whole path every time, so it asks for a new run even if this spec ran before.
const res = await fetch(`${base}/v1/experiments?force=true`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(spec),
});
const created = (await res.json()) as { id: string; cost: { params: number; flopsTrain: number } };
// 200: the same spec was submitted before and is not failed or cancelled; follow that experiment.
if (res.status !== 201 && res.status !== 200) {
  console.error(`[slmlab] submission refused (${res.status}):`, JSON.stringify(created, null, 2));
  process.exit(1);
}
console.log(`[slmlab] ${res.status === 201 ? 'submitted' : 'already submitted'} ${res.headers.get('location')}: ${describeRun(resolved)}`);
console.log(`[slmlab]   ${created.cost.params.toLocaleString('en')} parameters, ${created.cost.flopsTrain.toExponential(2)} training FLOPs; ` +
  `${describeEstimate(estimateRun(resolved))}`);

let seen = 0;
const deadline = Date.now() + 15 * 60_000;
for (;;) {
  const e = (await (await fetch(`${base}/v1/experiments/${created.id}`)).json()) as any;
  for (const m of e.metrics?.slice(seen) ?? []) {
    console.log(`[slmlab]   epoch ${m.epoch}: train NLL ${m.trainNll.toFixed(4)}, validation NLL ${m.valNll.toFixed(4)}`);
  }
  seen = e.metrics?.length ?? seen;
  if (e.status === 'succeeded' || e.status === 'failed' || e.status === 'cancelled') {
    console.log(JSON.stringify({ id: e.id, status: e.status, result: e.result, error: e.error }, null, 2));
    if (e.status === 'succeeded') await explain(e.result);
    process.exit(e.status === 'succeeded' ? 0 : 1);
  }
  if (Date.now() > deadline) {
    console.error('[slmlab] gave up waiting after 15 minutes; the job is still in the queue');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}

async function explain(result: { testNll: number; tokensPerSec: number | null; gflops: number | null; mfu: number | null; backend: string }) {
  for (const line of await explainNll(resolved, result.testNll)) console.log(`[slmlab] ${line}`);
  const speed = [
    result.tokensPerSec ? `${Math.round(result.tokensPerSec).toLocaleString('en')} training tokens/s` : undefined,
    result.gflops ? `${result.gflops.toFixed(1)} GFLOP/s` : undefined,
    result.mfu ? `MFU ${(100 * result.mfu).toFixed(0)}% of the worker's measured matmul peak` : undefined,
  ].filter(Boolean);
  if (speed.length) {
    console.log(`[slmlab] speed on ${result.backend}: ${speed.join(', ')} — these depend on what else the machine is doing ` +
      '(compare them only from a quiet machine: npm run bench:train, docs/performance.md)');
  }
  console.log('[slmlab] next (sizes are estimates for one CPU worker):');
  for (const [command, why, specs] of nextSteps()) {
    console.log(`  ${command}\n      ${why}: ${describeEstimate(sumEstimates(specs.map((s) => estimateRun(s))))}`);
  }
}

function nextSteps(): [string, string, ExperimentSpec[]][] {
  const row = parseSpec({ ...resolved, training: { ...resolved.training, windowsPerEpoch: 30_000 } });
  const sweepBase = { dataset: 'tinyshakespeare', model: { kind: 'linear' }, training: { epochs: 2, windowsPerEpoch: 10_000, evalWindows: 5_000 } };
  const sweep = [16, 32, 64].map((T) => parseSpec({ ...sweepBase, model: { kind: 'linear', contextLength: T } }));
  const transformer = parseSpec({
    dataset: 'tinyshakespeare',
    model: { kind: 'transformer', layers: 3, heads: 4 },
    training: { epochs: 1, windowsPerEpoch: 3_000, evalWindows: 2_000 },
  });
  return [
    ['bin/slmlab train paper/table-b/linear-t32', "the study's row itself (3× this run's windows), trained in this process without the service", [row]],
    [
      `curl -s ${base}/v1/sweeps -H 'content-type: application/json' -d '${JSON.stringify({ base: sweepBase, axes: { 'model.contextLength': [16, 32, 64] } })}'`,
      'a sweep of context lengths through the service (then GET /v1/sweeps/<id>/table?format=md)',
      sweep,
    ],
    [
      'bin/slmlab train paper/table-a/transformer --training.epochs=1 --training.windowsPerEpoch=3000 --training.evalWindows=2000',
      "the study's transformer on a sliver of its data (the full row: bin/slmlab presets lists every row with its cost)",
      [transformer],
    ],
  ];
}
