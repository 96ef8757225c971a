// `slmlab eval <checkpoint>`: loads a checkpoint file (from `slmlab train --checkpoint`, or downloaded with
// GET /v1/experiments/:id/checkpoints/:checkpointId) into the model its spec describes, and prints the NLL of a
// split as JSON. Works for both formats (docs/checkpoints.md).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSpec } from '@slmlab/core';
import { initBackend, BACKEND_CHOICES, type BackendChoice } from '../ml/backend.ts';
import { decodeCheckpoint, loadWeights, STATE_FORMAT, type DecodedCheckpoint } from '../ml/checkpoint.ts';
import { loadCorpus } from '../ml/data/index.ts';
import { evaluate } from '../ml/evaluate.ts';
import { buildModel } from '../ml/models/index.ts';
import { createRng } from '../ml/rng.ts';
import { parseArgs } from './args.ts';

export const EVAL_USAGE = `usage: slmlab eval <checkpoint-file> [options]
  --split=NAME        test | valid (default test)
  --weights=WHICH     training-state checkpoints: best (default) | current
  --windows=N         evaluation windows (default: the spec's evalWindows)
  --backend=NAME      ${BACKEND_CHOICES.join(' | ')} (default: SLMLAB_BACKEND or auto)
  --data-dir=DIR      data directory (default: SLMLAB_DATA_DIR or ~/.cache/slmlab/data)
  --no-download       fail instead of downloading a missing data file
prints {"split", "nll", "allTokensNll"?, "params", "weights", "backend"} as JSON`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help') || positionals.length !== 1) {
    console.error(EVAL_USAGE);
    return options.has('help') ? 0 : 2;
  }
  const split = (options.get('split') as string | undefined) ?? 'test';
  const which = (options.get('weights') as string | undefined) ?? 'best';
  if (split !== 'test' && split !== 'valid') return usageError(`--split must be test or valid, not ${split}`);
  if (which !== 'best' && which !== 'current') return usageError(`--weights must be best or current, not ${which}`);
  const ckpt = decodeCheckpoint(new Uint8Array(await readFile(positionals[0]!)));
  const { spec, vocab } = describe(ckpt);
  const backendChoice = (options.get('backend') as BackendChoice | undefined) ?? (process.env.SLMLAB_BACKEND as BackendChoice) ?? 'auto';
  const backend = await initBackend(backendChoice);
  const dataDir = (options.get('data-dir') as string | undefined) ?? process.env.SLMLAB_DATA_DIR ?? path.join(os.homedir(), '.cache/slmlab/data');
  const corpus = await loadCorpus(spec.dataset, { dataDir, allowDownload: !options.has('no-download') });
  if (vocab && JSON.stringify(vocab) !== JSON.stringify(corpus.vocab)) {
    throw new Error(`the checkpoint's vocabulary (${vocab.length} tokens) differs from this ${spec.dataset} file's (${corpus.vocab.length})`);
  }
  const model = buildModel(spec, corpus.vocab.length, createRng(0), createRng(0));
  try {
    const prefix = ckpt.header.format === STATE_FORMAT ? (which === 'best' ? 'best/' : 'model/') : '';
    loadWeights(model.params, ckpt, prefix);
    const windows = Number(options.get('windows') ?? spec.training.evalWindows);
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

function usageError(message: string): number {
  console.error(`${message}\n${EVAL_USAGE}`);
  return 2;
}
