// `slmlab export <id>` and `slmlab import FILE`: an experiment out of one deployment's API as one bundle file, and
// into another's, where an unfinished one resumes (docs/checkpoints.md, "Experiment bundles"). Clients: no tfjs.
// Both check the file with the codec the API uses — export what it downloaded, import before it uploads — so a
// damaged file is named here, with the part that is wrong.
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_EXTENSION, decodeBundle, importPlan, type Bundle } from '@slmlab/core';
import { ApiError, apiClient } from './api-client.ts';
import { checkOptions, joinSpacedValues, parseArgs, stringOption, UsageError } from './args.ts';
import { parsePartSize, readBundleBytes, writeParts } from './bundle-parts.ts';
import { apiOptions } from './run-options.ts';

export const EXPORT_USAGE = `usage: slmlab export <experiment id> [options]
  --out=FILE       where to write the bundle (default <id>${BUNDLE_EXTENSION} here; a directory: that name in it)
  --split=SIZE     write it as parts of at most SIZE each, FILE.part-1-of-N… (e.g. 4M; units K, M, G of 1024),
                   for places that cap a file's size; slmlab import joins them (so does cat)
  --api=URL        the slmlab API to export from (default SLMLAB_API_URL or http://localhost:3000)
  --token=TOKEN    API token when auth is on (default SLMLAB_TOKEN); an export holds weights, so it needs one
                   even where reads are open, unless the server sets SLMLAB_AUTH_OPEN_CHECKPOINTS=true
The bundle holds the experiment (spec, status, result), its whole curve and its checkpoints. Import it elsewhere
with slmlab import; an unfinished one (stopped, cancelled) resumes there where it stopped.
Prints the file's path (with --split, each part's) on stdout. Options take --name=value or --name value.
example: slmlab export 3f2a…c1 --out runs/ --api http://laptop:3000`;

export const IMPORT_USAGE = `usage: slmlab import <bundle file, or one of its parts> [options]
  --api=URL        the slmlab API to import into (default SLMLAB_API_URL or http://localhost:3000)
  --token=TOKEN    API token with the write scope when auth is on (default SLMLAB_TOKEN)
  --force          import even when an experiment there has the same spec (queued, running or succeeded)
A bundle exported with --split is read from all its parts (name one part, or the name they share).
The experiment keeps its id. A succeeded or failed one comes in as it ended; a queued, running or cancelled one
with a training state comes in queued, and a worker there resumes it exactly where it stopped.
Prints the experiment's id on stdout. Options take --name=value or --name value.
example: slmlab import 3f2a…c1${BUNDLE_EXTENSION} --api http://gpu-box:3000`;

const VALUE_OPTIONS = ['out', 'split', 'api', 'token'] as const;

export async function exportCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(joinSpacedValues(argv, VALUE_OPTIONS));
  if (options.has('help')) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  checkOptions(options, ['out', 'split', 'api', 'token', 'help'], false, 'run "slmlab export --help" for the options');
  const split = stringOption(options, 'split');
  const partBytes = split === undefined ? null : parsePartSize(split);
  if (positionals.length !== 1) throw new UsageError(`export takes one experiment id (got ${positionals.length}); run "slmlab export --help"`);
  const id = positionals[0]!;
  const where = apiOptions(options);
  const api = apiClient(where.url, where.token);
  const { bytes, filename } = await api.download(`/v1/experiments/${encodeURIComponent(id)}/export`);
  const bundle = checked(bytes, `the bundle ${api.base} sent`);
  const out = await outputPath(stringOption(options, 'out'), filename ?? `${id}${BUNDLE_EXTENSION}`);
  // Written whole, then renamed: an interrupted export never leaves a file that looks complete.
  const written = await (partBytes === null ? writeFile(`${out}.partial`, bytes).then(() => rename(`${out}.partial`, out)).then(() => [out]) : writeParts(out, bytes, partBytes)).catch(
    (err: Error) => {
      throw new Error(`cannot write ${out}: ${err.message}`);
    },
  );
  const into = written.length === 1 ? written[0] : `${written.length} parts of at most ${megabytes(partBytes!)}, ${path.basename(written[0]!)}…`;
  console.error(`exported ${describe(bundle)} from ${api.base}: ${megabytes(bytes.byteLength)} → ${into}`);
  const plan = importPlan(bundle);
  if (plan.resumes) console.error(`imported elsewhere, it is queued there and resumes ${plan.resumeFrom ? `from step ${plan.resumeFrom.step}` : 'from scratch (no training state yet)'}`);
  console.log(written.join('\n'));
  return 0;
}

interface ImportAnswer {
  experiment: { id: string; status: string };
  resumes: boolean;
  resumeFrom: { tag: string; epoch: number; step: number } | null;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(joinSpacedValues(argv, VALUE_OPTIONS));
  if (options.has('help')) {
    console.log(IMPORT_USAGE);
    return 0;
  }
  checkOptions(options, ['api', 'token', 'force', 'help'], false, 'run "slmlab import --help" for the options');
  if (positionals.length !== 1) throw new UsageError(`import takes one bundle file (got ${positionals.length}); run "slmlab import --help"`);
  const file = positionals[0]!;
  const { bytes, parts } = await readBundleBytes(file);
  const bundle = checked(bytes, parts.length ? `${file}, joined from ${parts.length} parts,` : file);
  const where = apiOptions(options);
  const api = apiClient(where.url, where.token);
  console.error(`importing ${describe(bundle)}, exported from ${bundle.source.deploymentId} at ${bundle.source.exportedAt}, into ${api.base}`);
  const { body } = await api.upload<ImportAnswer>(`/v1/experiments/import${options.has('force') ? '?force=true' : ''}`, bytes).catch((err: unknown) => {
    throw withCliHint(err);
  });
  const { id, status } = body.experiment;
  const from = body.resumeFrom ? `from step ${body.resumeFrom.step} (epoch ${body.resumeFrom.epoch} done)` : 'from scratch';
  console.error(body.resumes ? `imported ${id}, ${status}: a worker there resumes it ${from}` : `imported ${id} as ${status}, as it ended (read-only)`);
  console.log(id);
  return 0;
}

/** The file decoded by the API's own rules; a damaged one is an error naming the part (exit 1). */
function checked(bytes: Uint8Array, what: string): Bundle {
  try {
    return decodeBundle(bytes);
  } catch (err) {
    throw new Error(`${what} is not an importable experiment bundle:\n  ${(err as { issues?: { path: string; message: string }[] }).issues?.map((i) => `${i.path}: ${i.message}`).join('\n  ') ?? (err as Error).message}`);
  }
}

function describe(bundle: Bundle): string {
  const e = bundle.experiment;
  const saved = bundle.checkpoints.map((c) => `${c.tag} at step ${c.step}`).join(', ') || 'none';
  return `experiment ${e.id}${e.spec.name ? ` "${e.spec.name}"` : ''} (${e.status}; ${bundle.curve.length} curve points; checkpoints: ${saved})`;
}

/** `--out`: a file, or a directory to put the suggested name in; absent: the suggested name here. */
async function outputPath(out: string | undefined, suggested: string): Promise<string> {
  const name = path.basename(suggested);
  if (out === undefined) return name;
  const isDir = out.endsWith('/') || (await stat(out).then((s) => s.isDirectory(), () => false));
  return isDir ? path.join(out, name) : out;
}

/** The API's 409 for a spec that runs there already speaks of ?force=true; on the command line that is --force. */
function withCliHint(err: unknown): unknown {
  if (err instanceof ApiError && err.code === 'duplicate_spec') return new Error(`${err.message}\n  (on the command line: slmlab import … --force)`);
  return err;
}

const megabytes = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
