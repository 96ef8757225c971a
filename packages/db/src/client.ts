// The Prisma client over the pg driver adapter: the query compiler is wasm inside the packages,
// so nothing is downloaded at install or run time.
import { PrismaPg } from '@prisma/adapter-pg';
import { withTimeout } from '@slmlab/core';
import { PrismaClient } from './generated/client.ts';

export type Db = InstanceType<typeof PrismaClient>;

/**
 * JIT off for every session: PostgreSQL compiles a query with LLVM once its estimated cost passes jit_above_cost
 * (100,000), and a recursive CTE or a misestimated filter passes that easily — the frontier over a filter that
 * matches one row spent 0.8 s compiling a plan that then ran in 45 ms. slmlab's queries are short; none gains.
 */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, options: '-c jit=off' }) });
}

/**
 * Options for a transaction that writes checkpoints: Prisma ends any transaction after 5 s by default, and
 * storing the study's WikiText-2 model (a 144 MB state checkpoint) took 5.6–7.4 s on a busy machine — every
 * periodic checkpoint of that run failed with "expired transaction". Two minutes, for writing and for waiting
 * for a connection.
 */
export const LARGE_WRITE = { timeout: 120_000, maxWait: 120_000 } as const;

/** True when a trivial query succeeds within `timeoutMs`. */
export async function pingDb(db: Db, timeoutMs = 2000): Promise<boolean> {
  try {
    await withTimeout(db.$queryRaw`SELECT 1`, timeoutMs);
    return true;
  } catch {
    return false;
  }
}
