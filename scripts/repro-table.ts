// Prints a markdown table of slmlab result files beside the study's test NLL (experiments/paper/results.json):
// `slmlab train` results, `slmlab reproduce paper` reports and sweep tables (GET /v1/sweeps/:id/table), e.g.
// the files in docs/reproduction-runs. Usage: npx tsx scripts/repro-table.ts [dir | file.json ...] (default runs/repro)
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { markdownTable, readResultFile, type ResultRow } from '../apps/worker/src/cli/result-files.ts';

const args = process.argv.length > 2 ? process.argv.slice(2) : ['runs/repro'];
const files: string[] = [];
for (const arg of args) {
  if ((await stat(arg)).isDirectory()) {
    files.push(...(await readdir(arg)).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(arg, f)));
  } else files.push(arg);
}
const rows: ResultRow[] = [];
for (const file of files) rows.push(...(await readResultFile(file)));
console.log(markdownTable(rows));
