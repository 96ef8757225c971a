// Finds a data set's file in the data directory, verifies its SHA-256, and (only where allowed) downloads a
// missing file into that directory first. Tests and CI never download: they point at ../shared/data.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError, type DatasetFile } from '@slmlab/core';

export interface DataLocation {
  /** Directory holding `<dataset>/<file>`; also where downloads go. */
  dataDir: string;
  allowDownload: boolean;
}

/** Checksums already verified in this process (path → sha256): each file is hashed once, not once per job. */
const verified = new Map<string, string>();

export async function locateFile(file: DatasetFile, where: DataLocation): Promise<string> {
  const full = path.join(where.dataDir, file.path);
  if (!(await exists(full))) {
    if (!where.allowDownload) {
      throw new DataError(
        `data file ${full} is missing and downloads are off: put ${file.path} under SLMLAB_DATA_DIR ` +
          `(now ${where.dataDir}) or set SLMLAB_ALLOW_DOWNLOAD=true`,
      );
    }
    await download(file, full);
  }
  await verify(file, full);
  return full;
}

async function verify(file: DatasetFile, full: string) {
  if (verified.get(full) === file.sha256) return;
  const actual = await sha256(full);
  if (actual !== file.sha256) {
    throw new DataError(`checksum mismatch for ${full}: expected sha256 ${file.sha256}, got ${actual}`);
  }
  verified.set(full, actual);
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Downloads to a temporary name and renames after the checksum matches: a torn download never looks complete. */
async function download(file: DatasetFile, dest: string) {
  let res: Response;
  try {
    res = await fetch(file.url, { signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new DataError(`could not download ${file.url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new DataError(`could not download ${file.url}: HTTP ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== file.sha256) {
    throw new DataError(`downloaded ${file.url} has sha256 ${actual}, expected ${file.sha256}`);
  }
  await mkdir(path.dirname(dest), { recursive: true });
  // Not the pid: workers in containers sharing the data volume all run as pid 1 (or alike).
  const tmp = `${dest}.${randomUUID()}.part`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
