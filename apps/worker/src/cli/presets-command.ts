// `slmlab presets`: the preset names, each with its title and what it costs to train here.
import { parseSpec } from '@slmlab/core';
import { checkOptions, parseArgs, UsageError } from './args.ts';
import { estimateRun, formatRange, formatTokens } from './estimate.ts';
import { listPresets, readSpecSource } from './presets.ts';

export const PRESETS_USAGE = `usage: slmlab presets [--names]
  lists the presets (spec files under experiments/, e.g. the study's Tables A–D) with their title, training
  tokens and an estimated duration on one CPU worker (wasm); --names prints the names alone
train one with: slmlab train <name> [--training.epochs=1 …]`;

export async function presetsCommand(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv);
  if (options.has('help')) {
    console.log(PRESETS_USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError(`presets takes no arguments; run "slmlab presets --help"`);
  checkOptions(options, ['names', 'help'], false, 'run "slmlab presets --help"');
  const names = await listPresets();
  if (options.has('names')) {
    console.log(names.join('\n'));
    return 0;
  }
  const rows = [['preset', 'title', 'training tokens', 'estimate (one CPU worker)']];
  for (const name of names) {
    const spec = parseSpec((await readSpecSource(name)).spec);
    const e = estimateRun(spec);
    rows.push([name, spec.name ?? '', formatTokens(e.trainTokens), e.seconds ? `≈ ${formatRange(e.seconds)}` : '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  return 0;
}
