// What `train` and `eval` share: which backend to start and where the data is. Data is found the way the demo
// finds it, so that the CLI works offline wherever `npm run demo` did.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Type from 'typebox';
import { DATASETS, DataError, parseEnv, type DatasetName } from '@slmlab/core';
import { BACKEND_CHOICES, type BackendChoice } from '../ml/backend.ts';
import { stringOption, UsageError, type ParsedArgs } from './args.ts';
import { PRESETS_DIR } from './presets.ts';

type Options = ParsedArgs['options'];

const CliEnv = Type.Object({
  SLMLAB_BACKEND: Type.Enum([...BACKEND_CHOICES], { default: 'auto' }),
  SLMLAB_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  SLMLAB_ALLOW_DOWNLOAD: Type.Boolean({ default: true }),
  /** `reproduce`: the API it submits to, and the token it sends. */
  SLMLAB_API_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000' }),
  SLMLAB_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
});

/** `--api` / `--token`, else SLMLAB_API_URL / SLMLAB_TOKEN (parsed like every setting: a bad URL is named). */
export function apiOptions(options: Options, env = process.env): { url: string; token?: string } {
  const parsed = parseEnv(CliEnv, env);
  return { url: stringOption(options, 'api') ?? parsed.SLMLAB_API_URL, token: stringOption(options, 'token') ?? parsed.SLMLAB_TOKEN };
}

/** `../shared/data` beside the checkout: where the project's machines keep the data sets (the demo reads it). */
export const SHARED_DATA_DIR = path.resolve(PRESETS_DIR, '../../shared/data');
export const CACHE_DATA_DIR = path.join(os.homedir(), '.cache/slmlab/data');

/** `--backend`, else SLMLAB_BACKEND, else auto; anything else is refused with the choices. */
export function backendOption(options: Options, env = process.env): BackendChoice {
  const raw = stringOption(options, 'backend');
  if (raw === undefined) return parseEnv(CliEnv, env).SLMLAB_BACKEND;
  if ((BACKEND_CHOICES as readonly string[]).includes(raw)) return raw as BackendChoice;
  throw new UsageError(`unknown backend "${raw}": choose one of ${BACKEND_CHOICES.join(' | ')}`);
}

export interface DataChoice {
  dataDir: string;
  allowDownload: boolean;
  /** Why this directory, in words, for messages. */
  from: string;
}

/**
 * `--data-dir`, else SLMLAB_DATA_DIR, else ../shared/data beside the checkout when it holds this data set's
 * files, else ~/.cache/slmlab/data. Downloads are on unless `--no-download` or SLMLAB_ALLOW_DOWNLOAD=false.
 */
export function dataOption(options: Options, dataset: DatasetName, env = process.env): DataChoice {
  const parsed = parseEnv(CliEnv, env);
  const allowDownload = !options.has('no-download') && parsed.SLMLAB_ALLOW_DOWNLOAD;
  const flag = stringOption(options, 'data-dir');
  if (flag) return { dataDir: path.resolve(flag), allowDownload, from: '--data-dir' };
  if (parsed.SLMLAB_DATA_DIR) return { dataDir: path.resolve(parsed.SLMLAB_DATA_DIR), allowDownload, from: 'SLMLAB_DATA_DIR' };
  if (holds(SHARED_DATA_DIR, dataset)) return { dataDir: SHARED_DATA_DIR, allowDownload, from: '../shared/data beside the checkout' };
  return { dataDir: CACHE_DATA_DIR, allowDownload, from: 'the default: no --data-dir, no SLMLAB_DATA_DIR, no ../shared/data beside the checkout' };
}

function holds(dir: string, dataset: DatasetName): boolean {
  return Object.values(DATASETS[dataset].files).every((f) => existsSync(path.join(dir, f.path)));
}

/** A data error with what the user can do about it: where the CLI looked, how to point it elsewhere. */
export function explainDataError(err: unknown, dataset: DatasetName, where: DataChoice): unknown {
  if (!(err instanceof DataError)) return err;
  const files = Object.values(DATASETS[dataset].files).map((f) => f.path).join(', ');
  const downloads = where.allowDownload
    ? 'downloads are on (--no-download or SLMLAB_ALLOW_DOWNLOAD=false turns them off)'
    : 'downloads are off (--no-download or SLMLAB_ALLOW_DOWNLOAD=false); without those a missing file is downloaded and checked against its SHA-256';
  return new DataError(
    `${err.message}\n  data directory: ${where.dataDir} (${where.from})` +
      `\n  to use data you have: --data-dir=DIR or SLMLAB_DATA_DIR=DIR, a directory holding ${files}; ${downloads}`,
    { cause: err },
  );
}
