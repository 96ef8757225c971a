// `slmlab train <spec.json | preset> [--key=value ...]`: trains one experiment in this process, with no Redis
// or PostgreSQL, and writes a result JSON (and optionally a checkpoint). The worker runs the same train().
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, parseSpec, InvalidSpecError, type ExperimentSpec } from '@slmlab/core';
import { initBackend, BACKEND_CHOICES } from '../ml/backend.ts';
import { encodeCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus } from '../ml/data/index.ts';
import { train } from '../ml/train.ts';
import { checkOptions, parseArgs, parseValue, setPath, stringOption, UsageError } from './args.ts';
import { describeEstimate, estimateRun } from './estimate.ts';
import { describeRun, explainNll } from './explain.ts';
import { formatSeconds, progressPrinter } from './progress.ts';
import { readSpecSource } from './presets.ts';
import { backendOption, dataOption, explainDataError } from './run-options.ts';

export const TRAIN_USAGE = `usage: slmlab train <spec.json | preset> [--section.field=value ...] [options]
  --out=FILE          result JSON (default runs/<name>-<time>.json)
  --checkpoint=FILE   also write the best-validation weights (docs/checkpoints.md)
  --backend=NAME      ${BACKEND_CHOICES.join(' | ')} (default: SLMLAB_BACKEND or auto)
  --data-dir=DIR      data directory (default: SLMLAB_DATA_DIR, else ../shared/data beside the checkout
                      when it holds the data set, else ~/.cache/slmlab/data)
  --no-download       fail instead of downloading a missing data file (also SLMLAB_ALLOW_DOWNLOAD=false)
Any spec field can be set with its dotted path: --training.epochs=1 --model.contextLength=64 (docs/models.md).
Before training it prints the parameters, FLOPs and an estimated duration (on wasm: the cost model's FLOPs
over the rate measured for the model kind on one core; other backends have no measured rate).
example: slmlab train paper/table-b/linear-t32 --training.epochs=1 --training.seed=1   (960 k tokens, ≈ 6–8 s)`;

const OWN_OPTIONS = ['out', 'checkpoint', 'backend', 'data-dir', 'no-download', 'help'];
const MORE = 'run "slmlab train --help" for the options';

export async function trainCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help')) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`train takes one spec file or preset name (got ${positionals.length}); ${MORE}`);
  checkOptions(options, OWN_OPTIONS, true, MORE);
  const backendChoice = backendOption(options);
  const spec = await resolveSpec(positionals[0]!, options);
  if (!spec) return 2;
  const { spec: resolved, label } = spec;
  const where = dataOption(options, resolved.dataset);
  const backend = await initBackend(backendChoice);
  const cost = estimateCost(resolved);
  console.error(
    `${label}: ${describeRun(resolved)}; ${cost.params.toLocaleString()} parameters, ` +
      `${cost.flopsTrain.toExponential(2)} training FLOPs (study formula ${cost.flopsStudy.toExponential(2)}); backend ${backend.name} (${backend.device})`,
  );
  console.error(`estimate: ${describeEstimate(estimateRun(resolved, backend.name), backend.name)}`);
  const corpus = await loadCorpus(resolved.dataset, where).catch((err: unknown) => {
    throw explainDataError(err, resolved.dataset, where);
  });
  const printer = progressPrinter();
  const { result, model } = await train(resolved, corpus, { onProgress: printer.progress, onEpoch: printer.epoch });
  try {
    const ckpt = stringOption(options, 'checkpoint');
    if (ckpt) await writeFile(ckpt, await encodeCheckpoint(model.params, { spec: resolved, vocab: corpus.vocab, bestEpoch: result.bestEpoch }));
  } finally {
    model.params.dispose();
  }
  const out = stringOption(options, 'out') ?? defaultOut(label);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const record = { spec: resolved, cost, backend: { name: backend.name, device: backend.device }, result, finishedAt: new Date().toISOString() };
  await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
  console.error(
    `best validation NLL ${result.bestValNll.toFixed(4)} at epoch ${result.bestEpoch}; ` +
      `${formatSeconds(result.wallSeconds)}, ${Math.round(result.tokensPerSec).toLocaleString()} training tok/s (depends on the machine's load) → ${out}`,
  );
  for (const line of await explainNll(resolved, result.testNll)) console.error(line);
  return 0;
}

/** The spec file or preset with the command line's overrides applied, or undefined after printing its problems. */
async function resolveSpec(source: string, options: Map<string, string | true>): Promise<{ spec: ExperimentSpec; label: string } | undefined> {
  const { spec: raw, label } = await readSpecSource(source);
  for (const [key, value] of options) {
    if (!OWN_OPTIONS.includes(key)) setPath(raw as Record<string, unknown>, key, value === true ? true : parseValue(value));
  }
  try {
    return { spec: parseSpec(raw), label };
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err;
    console.error(`invalid spec:\n${err.issues.map((i) => `  ${i.path || '/'}: ${i.message}`).join('\n')}`);
    return undefined;
  }
}

function defaultOut(label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join('runs', `${label.replaceAll('/', '_')}-${stamp}.json`);
}
