// The Prisma client over the pg driver adapter: the query compiler is wasm inside the packages,
// so nothing is downloaded at install or run time.
import { PrismaPg } from '@prisma/adapter-pg';
import { withTimeout } from '@slmlab/core';
import { PrismaClient } from './generated/client.ts';

export type Db = InstanceType<typeof PrismaClient>;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

/** True when a trivial query succeeds within `timeoutMs`. */
export async function pingDb(db: Db, timeoutMs = 2000): Promise<boolean> {
  try {
    await withTimeout(db.$queryRaw`SELECT 1`, timeoutMs);
    return true;
  } catch {
    return false;
  }
}
