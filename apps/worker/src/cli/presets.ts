// Presets: spec files under experiments/ named by their path, e.g. "paper/table-a/linear".
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRESETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experiments');

/** Reads a spec from a JSON file path or a preset name. */
export async function readSpecSource(source: string): Promise<{ spec: unknown; label: string }> {
  const file = source.endsWith('.json') ? path.resolve(source) : path.join(PRESETS_DIR, `${source}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const known = (await listPresets()).join(', ');
    throw new Error(`no spec file or preset "${source}" (looked for ${file}). Presets: ${known}`);
  }
  try {
    return { spec: JSON.parse(text), label: source.endsWith('.json') ? path.basename(source, '.json') : source };
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The preset names under `dir`: JSON files that are experiment specs (they name a model). Other JSON there,
 * such as experiments/paper/results.json (the study's numbers), is data, not a preset.
 */
export async function listPresets(dir = PRESETS_DIR, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await listPresets(path.join(dir, e.name), `${prefix}${e.name}/`)));
    else if (e.name.endsWith('.json') && (await isSpecFile(path.join(dir, e.name)))) out.push(`${prefix}${e.name.slice(0, -5)}`);
  }
  return out.sort();
}

async function isSpecFile(file: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as { model?: unknown };
    return typeof json.model === 'object' && json.model !== null;
  } catch {
    return false;
  }
}
