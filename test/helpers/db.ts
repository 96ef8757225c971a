// A PostgreSQL database of a test's own, migrated: for suites whose rows must not meet other suites' rows (the
// API's queue reconciler looks at every live experiment of its database).
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@slmlab/db';
import { repoRoot } from './stack.ts';

export interface PrivateDatabase {
  url: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** Drops `name` if a previous run left it, creates it from scratch and applies prisma/migrations. */
export async function privateDatabase(name: string, baseUrl = process.env.DATABASE_URL!): Promise<PrivateDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const admin = new URL(baseUrl);
  admin.pathname = '/postgres';
  const dropIt = async () => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  await dropIt();
  await migrate(url.toString(), path.join(repoRoot, 'prisma/migrations'));
  return { url: url.toString(), drop: dropIt };
}
