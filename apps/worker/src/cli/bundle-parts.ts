// A bundle written as several files (`slmlab export --split=SIZE`) and read back whole (`slmlab import`): for
// places that cap a file's size (a git host, a mail attachment, a FAT volume). The parts are plain byte ranges
// named `<file>.part-<i>-of-<n>`, so `cat` joins them too; the bundle's own lengths and SHA-256s check the join.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './args.ts';

const PART_NAME = /^(.*)\.part-(\d+)-of-(\d+)$/;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `--split=4M` (units K, M, G of 1024; a trailing "iB" or "B" is allowed) as a byte count. */
export function parsePartSize(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(raw.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!(bytes >= 1024)) throw new UsageError(`--split needs a size of at least 1K, such as --split=4M (got "${raw}")`);
  return bytes;
}

export function partName(file: string, index: number, count: number): string {
  const width = String(count).length;
  return `${file}.part-${String(index).padStart(width, '0')}-of-${count}`;
}

/** Writes `bytes` as parts of at most `partBytes` each; returns their paths. Each is written whole, then renamed. */
export async function writeParts(file: string, bytes: Uint8Array, partBytes: number): Promise<string[]> {
  const count = Math.max(1, Math.ceil(bytes.byteLength / partBytes));
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = partName(file, i + 1, count);
    await writeFile(`${name}.partial`, bytes.subarray(i * partBytes, (i + 1) * partBytes));
    await rename(`${name}.partial`, name);
    names.push(name);
  }
  return names;
}

/**
 * The bundle's bytes from `file`: the file itself; or, named by one of its parts or by the name the parts share
 * (`x.slmlab-bundle` when only `x.slmlab-bundle.part-1-of-3`… exist), all its parts joined in order. A missing
 * part is named; a part of another split (another count) is not mixed in.
 */
export async function readBundleBytes(file: string): Promise<{ bytes: Uint8Array; parts: string[] }> {
  const named = PART_NAME.exec(file);
  const whole = named
    ? null
    : await readFile(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw new Error(`cannot read ${file}: ${err.message}`);
      });
  if (whole) return { bytes: whole, parts: [] };
  const base = named ? named[1]! : file;
  const count = named ? Number(named[3]) : await partCount(base);
  if (count === null) throw new Error(`cannot read ${file}: no such file (nor parts ${path.basename(base)}.part-1-of-N)`);
  const parts = Array.from({ length: count }, (_, i) => partName(base, i + 1, count));
  const chunks = await Promise.all(
    parts.map((p, i) =>
      readFile(p).catch((err: NodeJS.ErrnoException) => {
        throw new Error(err.code === 'ENOENT' ? `part ${i + 1} of ${count} is missing: ${p}` : `cannot read ${p}: ${err.message}`);
      }),
    ),
  );
  return { bytes: Buffer.concat(chunks), parts };
}

/** The part count of the parts of `base` in its directory; several splits of one name are ambiguous. */
async function partCount(base: string): Promise<number | null> {
  const entries = await readdir(path.dirname(base)).catch(() => [] as string[]);
  const counts = new Set<number>();
  for (const entry of entries) {
    const m = PART_NAME.exec(entry);
    if (m && m[1] === path.basename(base)) counts.add(Number(m[3]));
  }
  if (counts.size > 1) throw new Error(`${base} has parts of ${counts.size} different splits (${[...counts].map((n) => `of-${n}`).join(', ')}); name one part`);
  return counts.size === 1 ? [...counts][0]! : null;
}
