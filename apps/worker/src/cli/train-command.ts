// `slmlab train <spec.json | preset> [--key=value ...]`: trains one experiment in this process, with no Redis
// or PostgreSQL, and writes a result JSON (and optionally a checkpoint). The worker runs the same train().
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { estimateCost, parseSpec, InvalidSpecError } from '@slmlab/core';
import { initBackend, BACKEND_CHOICES, type BackendChoice } from '../ml/backend.ts';
import { encodeCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus } from '../ml/data/index.ts';
import { train } from '../ml/train.ts';
import { parseArgs, parseValue, setPath } from './args.ts';
import { formatSeconds, progressPrinter } from './progress.ts';
import { readSpecSource } from './presets.ts';

export const TRAIN_USAGE = `usage: slmlab train <spec.json | preset> [--section.field=value ...] [options]
  --out=FILE          result JSON (default runs/<name>-<time>.json)
  --checkpoint=FILE   also write the best-validation weights (docs/checkpoints.md)
  --backend=NAME      ${BACKEND_CHOICES.join(' | ')} (default: SLMLAB_BACKEND or auto)
  --data-dir=DIR      data directory (default: SLMLAB_DATA_DIR or ~/.cache/slmlab/data)
  --no-download       fail instead of downloading a missing data file
example: slmlab train paper/table-b/linear-t32 --training.epochs=1 --training.seed=1`;

const OWN_OPTIONS = new Set(['out', 'checkpoint', 'backend', 'data-dir', 'no-download', 'help']);

export async function trainCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help') || positionals.length !== 1) {
    console.error(TRAIN_USAGE);
    return options.has('help') ? 0 : 2;
  }
  const { spec: raw, label } = await readSpecSource(positionals[0]!);
  for (const [key, value] of options) {
    if (!OWN_OPTIONS.has(key)) setPath(raw as Record<string, unknown>, key, value === true ? true : parseValue(value));
  }
  let spec;
  try {
    spec = parseSpec(raw);
  } catch (err) {
    if (err instanceof InvalidSpecError) {
      console.error(`invalid spec:\n${err.issues.map((i) => `  ${i.path || '/'}: ${i.message}`).join('\n')}`);
      return 2;
    }
    throw err;
  }
  const backendChoice = (options.get('backend') as BackendChoice | undefined) ?? (process.env.SLMLAB_BACKEND as BackendChoice) ?? 'auto';
  const backend = await initBackend(backendChoice);
  const cost = estimateCost(spec);
  console.error(
    `${label}: ${spec.model.kind} on ${spec.dataset}, ${cost.params.toLocaleString()} parameters, ` +
      `${cost.flopsTrain.toExponential(2)} training FLOPs (study formula ${cost.flopsStudy.toExponential(2)}); backend ${backend.name} (${backend.device})`,
  );
  const dataDir = (options.get('data-dir') as string | undefined) ?? process.env.SLMLAB_DATA_DIR ?? path.join(os.homedir(), '.cache/slmlab/data');
  const corpus = await loadCorpus(spec.dataset, { dataDir, allowDownload: !options.has('no-download') });
  const printer = progressPrinter();
  const { result, model } = await train(spec, corpus, { onProgress: printer.progress, onEpoch: printer.epoch });
  try {
    const ckpt = options.get('checkpoint');
    if (typeof ckpt === 'string') {
      await writeFile(ckpt, await encodeCheckpoint(model.params, { spec, vocab: corpus.vocab, bestEpoch: result.bestEpoch }));
    }
  } finally {
    model.params.dispose();
  }
  const out = (options.get('out') as string | undefined) ?? defaultOut(label);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const record = { spec, cost, backend: { name: backend.name, device: backend.device }, result, finishedAt: new Date().toISOString() };
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
  console.error(
    `test NLL ${result.testNll.toFixed(4)} (best validation ${result.bestValNll.toFixed(4)} at epoch ${result.bestEpoch}), ` +
      `${formatSeconds(result.wallSeconds)}, ${Math.round(result.tokensPerSec).toLocaleString()} tok/s → ${out}`,
  );
  return 0;
}

function defaultOut(label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join('runs', `${label.replaceAll('/', '_')}-${stamp}.json`);
}
