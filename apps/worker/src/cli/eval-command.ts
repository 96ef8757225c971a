// `slmlab eval <checkpoint>`: loads a checkpoint file (from `slmlab train --checkpoint`, or downloaded with
// GET /v1/experiments/:id/checkpoints/:checkpointId) into the model its spec describes, and prints the NLL of a
// split as JSON. Works for both formats (docs/checkpoints.md).
import { readFile } from 'node:fs/promises';
import { parseSpec } from '@slmlab/core';
import { initBackend, BACKEND_CHOICES } from '../ml/backend.ts';
import { decodeCheckpoint, loadWeights, STATE_FORMAT, type DecodedCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus } from '../ml/data/index.ts';
import { evaluate } from '../ml/evaluate.ts';
import { buildModel } from '../ml/models/index.ts';
import { createRng } from '../ml/rng.ts';
import { checkOptions, parseArgs, stringOption, UsageError } from './args.ts';
import { backendOption, dataOption, explainDataError } from './run-options.ts';

export const EVAL_USAGE = `usage: slmlab eval <checkpoint-file> [options]
  --split=NAME        test | valid (default test)
  --weights=WHICH     training-state checkpoints: best (default) | current
  --windows=N         evaluation windows (default: the spec's evalWindows)
  --backend=NAME      ${BACKEND_CHOICES.join(' | ')} (default: SLMLAB_BACKEND or auto)
  --data-dir=DIR      data directory (default: SLMLAB_DATA_DIR, else ../shared/data beside the checkout
                      when it holds the data set, else ~/.cache/slmlab/data)
  --no-download       fail instead of downloading a missing data file (also SLMLAB_ALLOW_DOWNLOAD=false)
prints {"split", "nll", "allTokensNll"?, "params", "weights", "backend"} as JSON`;

const OWN_OPTIONS = ['split', 'weights', 'windows', 'backend', 'data-dir', 'no-download', 'help'];
const MORE = 'run "slmlab eval --help" for the options';

export async function evalCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help')) {
    console.log(EVAL_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`eval takes one checkpoint file (got ${positionals.length}); ${MORE}`);
  checkOptions(options, OWN_OPTIONS, false, MORE);
  const split = stringOption(options, 'split') ?? 'test';
  const which = stringOption(options, 'weights') ?? 'best';
  if (split !== 'test' && split !== 'valid') throw new UsageError(`--split must be test or valid, not ${split}`);
  if (which !== 'best' && which !== 'current') throw new UsageError(`--weights must be best or current, not ${which}`);
  const backendChoice = backendOption(options);
  const ckpt = decodeCheckpoint(new Uint8Array(await readFile(positionals[0]!)));
  const { spec, vocab } = describe(ckpt);
  const windows = Number(stringOption(options, 'windows') ?? spec.training.evalWindows);
  if (!Number.isInteger(windows) || windows < 1) throw new UsageError(`--windows must be a whole number ≥ 1`);
  const backend = await initBackend(backendChoice);
  const where = dataOption(options, spec.dataset);
  const corpus = await loadCorpus(spec.dataset, where).catch((err: unknown) => {
    throw explainDataError(err, spec.dataset, where);
  });
  if (vocab && JSON.stringify(vocab) !== JSON.stringify(corpus.vocab)) {
    throw new Error(`the checkpoint's vocabulary (${vocab.length} tokens) differs from this ${spec.dataset} file's (${corpus.vocab.length})`);
  }
  const model = buildModel(spec, corpus.vocab.length, createRng(0), createRng(0));
  try {
    const prefix = ckpt.header.format === STATE_FORMAT ? (which === 'best' ? 'best/' : 'model/') : '';
    loadWeights(model.params, ckpt, prefix);
    const tokens = limit(corpus[split], spec.training.evalTokens);
    const r = await evaluate(model, tokens, { contextLength: spec.model.contextLength, windows, batchSize: spec.training.batchSize });
    const weights = ckpt.header.format === STATE_FORMAT ? which : 'best';
    console.log(JSON.stringify({ split, ...r, params: model.params.count(), weights, backend: backend.name }));
    return 0;
  } finally {
    model.params.dispose();
  }
}

/** The spec and vocabulary a checkpoint was written with (weights: in meta; training state: meta.extra). */
function describe(ckpt: DecodedCheckpoint) {
  const meta = ckpt.header.meta as { spec?: unknown; vocab?: string[]; extra?: { vocab?: string[] } };
  if (!meta.spec) throw new Error('the checkpoint records no spec: it cannot say which model to build');
  return { spec: parseSpec(meta.spec), vocab: meta.vocab ?? meta.extra?.vocab };
}

function limit(tokens: Int32Array, n: number | undefined) {
  return n ? tokens.subarray(0, n) : tokens;
}
