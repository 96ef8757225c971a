// Command-line arguments: positionals, `--flag`, and `--key=value` where a dotted key overrides a spec field
// (`--training.epochs=1`). Values are read as JSON when they parse (numbers, booleans), else as strings.
import { closest, specPaths } from './suggest.ts';

/** A mistake in the command line: main.ts prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (const arg of argv) {
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq === -1) options.set(arg.slice(2), true);
    else options.set(arg.slice(2, eq), arg.slice(eq + 1));
  }
  return { positionals, options };
}

export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Sets `path` ("training.epochs") in a plain object, creating intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/**
 * Refuses options a command does not know, naming the closest known one. `own` are the command's options;
 * with `specOverrides`, any spec path (`training.epochs`, or a parent such as `model`) is accepted too.
 */
export function checkOptions(options: ParsedArgs['options'], own: readonly string[], specOverrides: boolean, help: string): void {
  const paths = specOverrides ? specPaths() : [];
  for (const key of options.keys()) {
    if (own.includes(key) || paths.some((p) => p === key || p.startsWith(`${key}.`))) continue;
    const guess = closest(key, [...own, ...paths]);
    const what = specOverrides && key.includes('.') ? 'spec field' : 'option';
    throw new UsageError(`unknown ${what} --${key}${guess ? ` (did you mean --${guess}?)` : ''}; ${help}`);
  }
}

/** The value of `--name=value`; a bare `--name` (no value) is a mistake. */
export function stringOption(options: ParsedArgs['options'], name: string): string | undefined {
  const v = options.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value: --${name}=…`);
  return v;
}

/**
 * `--name VALUE` written as `--name=VALUE`, for the options of `names` (what other tools accept: `--out FILE`). A
 * value that starts with `--` is the next option, not a value, and is left alone.
 */
export function joinSpacedValues(argv: string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (names.includes(arg.slice(2)) && arg.startsWith('--') && next !== undefined && !next.startsWith('--')) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
