// Applies prisma/migrations with no Prisma engine download. It keeps Prisma's own bookkeeping table
// (_prisma_migrations, same columns and sha256 checksums) and advisory lock key, so `prisma migrate deploy`
// and `migrate status` agree with it on any machine where the real schema engine is available.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** Prisma's advisory lock key: two appliers (ours or Prisma's) never run at once on one database. */
const PRISMA_LOCK_KEY = 72707369;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(databaseUrl: string, migrationsDir: string): Promise<MigrateResult> {
  await ensureDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_LOCK_KEY]);
    await ensureMigrationsTable(client);
    return await applyPending(client, migrationsDir);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function applyPending(client: pg.Client, dir: string): Promise<MigrateResult> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const rows = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    'SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL',
  );
  const done = new Map(rows.rows.map((r) => [r.migration_name, r]));
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    const prior = done.get(name);
    if (prior) {
      assertUnchanged(name, prior, checksum);
      result.alreadyApplied.push(name);
      continue;
    }
    await applyOne(client, name, sql, checksum);
    result.applied.push(name);
  }
  return result;
}

function assertUnchanged(name: string, prior: { checksum: string; finished_at: Date | null }, checksum: string) {
  if (!prior.finished_at) {
    throw new Error(`migration ${name} started earlier but did not finish: inspect the database, then resolve it`);
  }
  if (prior.checksum !== checksum) {
    throw new Error(`migration ${name} was modified after it was applied (checksum differs): add a new migration instead`);
  }
}

/** One transaction per migration: a failing migration leaves no half-applied schema behind. */
async function applyOne(client: pg.Client, name: string, sql: string, checksum: string) {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), checksum, name],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
  }
}

async function ensureMigrationsTable(client: pg.Client) {
  await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
}

/** Creates the target database when it does not exist yet (connecting to the server's `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return true;
  } catch (err) {
    // Two processes may race to create it; the loser sees duplicate_database (42P04).
    if ((err as { code?: string }).code === '42P04') return false;
    throw err;
  } finally {
    await admin.end();
  }
}
