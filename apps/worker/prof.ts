import { parseSpec, forwardFlopsPerWindow } from '@slmlab/core';
import { tf } from './src/ml/tf.ts';
import { initBackend } from './src/ml/backend.ts';
import { randomBatch } from './src/ml/data/windows.ts';
import { batchNll } from './src/ml/loss.ts';
import { buildModel } from './src/ml/models/index.ts';
import { createRng } from './src/ml/rng.ts';
await initBackend('wasm');
const spec = parseSpec({ dataset: 'tinyshakespeare', model: { kind: 'transformer' } });
const model = buildModel(spec, 65, createRng(1), createRng(2));
const opt = tf.train.adam(3e-4);
const tokens = Int32Array.from({ length: 100000 }, (_, i) => (i * 7919) % 65);
const rng = createRng(3);
const step = () => { const b = randomBatch(tokens, 128, 64, rng); const l = tf.tidy(() => opt.minimize(() => batchNll(model.logits(tf.tensor2d(b.x, [64, 128], 'int32'), true), b.y), true)!); l.dataSync(); l.dispose(); };
step();
const t0 = performance.now();
const info = await tf.profile(() => { step(); });
const total = performance.now() - t0;
const agg = new Map<string, [number, number]>();
for (const k of info.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
const rows = [...agg].sort((a, b) => b[1][0] - a[1][0]);
console.log('total ms', total.toFixed(0), 'kernel ms', rows.reduce((s, r) => s + r[1][0], 0).toFixed(0));
for (const [n, [ms, c]] of rows.slice(0, 25)) console.log(n.padEnd(24), ms.toFixed(1).padStart(8), String(c).padStart(5));
const ids = new Map<string, [number, number]>();
for (const k of info.kernels) if (k.name === 'Identity' || k.name === 'Sum' || k.name === 'BatchMatMul') { const key = k.name + ' ' + JSON.stringify(k.inputShapes); const a = ids.get(key) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; ids.set(key, a); }
for (const [n, [ms, c]] of [...ids].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20)) console.log(n.padEnd(60), ms.toFixed(1), c);
