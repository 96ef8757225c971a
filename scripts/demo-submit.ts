// Submits one small real experiment (the study's linear model, T=32, two short epochs) and follows it to the end.
const base = process.argv[2] ?? 'http://127.0.0.1:3000';

const spec = {
  name: 'demo: linear, T=32',
  dataset: 'tinyshakespeare',
  model: { kind: 'linear', contextLength: 32 },
  training: { epochs: 2, windowsPerEpoch: 10_000, evalWindows: 5_000 },
};

// ?force=true: the demo shows the whole path every time, so it asks for a new run even if this spec ran before.
const res = await fetch(`${base}/v1/experiments?force=true`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(spec),
});
const created = (await res.json()) as { id: string; cost: { params: number; flopsStudy: number } };
// 200: the same spec was submitted before and is not failed or cancelled; follow that experiment.
if (res.status !== 201 && res.status !== 200) {
  console.error(`[slmlab] submission refused (${res.status}):`, JSON.stringify(created, null, 2));
  process.exit(1);
}
console.log(`[slmlab] ${res.status === 201 ? 'submitted' : 'already submitted'} ${res.headers.get('location')}: ${created.cost.params.toLocaleString()} parameters, ` +
  `${created.cost.flopsStudy.toExponential(2)} FLOPs (study formula)`);

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
    process.exit(e.status === 'succeeded' ? 0 : 1);
  }
  if (Date.now() > deadline) {
    console.error('[slmlab] gave up waiting after 15 minutes; the job is still in the queue');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
