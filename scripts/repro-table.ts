// Prints a markdown table of result JSONs written by `slmlab train` (default: runs/repro/*.json) beside the
// study's test NLL (experiments/paper/results.json). Usage: npx tsx scripts/repro-table.ts [dir]
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const dir = process.argv[2] ?? 'runs/repro';
const study = JSON.parse(await readFile('experiments/paper/results.json', 'utf8')).testNll as Record<string, number>;
const rows: string[] = [];
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
  const r = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  const preset = Object.keys(study).find((k) => file.startsWith(`paper_${k.replace('/', '_')}`));
  const t = r.spec.training;
  const ref = preset ? study[preset]! : undefined;
  const diff = ref === undefined ? '' : `${r.result.testNll - ref >= 0 ? '+' : ''}${(r.result.testNll - ref).toFixed(4)}`;
  rows.push(
    `| ${preset ?? file} | ${t.epochs} × ${t.windowsPerEpoch.toLocaleString('en')} | ${r.cost.params.toLocaleString('en')} | ` +
      `${r.result.testNll.toFixed(4)} | ${ref?.toFixed(4) ?? '—'} | ${diff} | ${r.result.bestEpoch} | ` +
      `${Math.round(r.result.wallSeconds)} s | ${Math.round(r.result.tokensPerSec).toLocaleString('en')} | ${r.backend.name} |`,
  );
}
console.log('| preset | epochs × windows | params | test NLL | study | difference | best epoch | wall time | train tok/s | backend |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
