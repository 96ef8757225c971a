// `npm run db:migrate`: creates the database if needed and applies prisma/migrations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, databaseUrlFromEnv } from '@slmlab/core';
import { migrate } from './migrate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let url: string;
try {
  // Parsed like the apps' settings: one default (CommonEnv), and a malformed URL named before anything runs.
  url = databaseUrlFromEnv();
} catch (err) {
  console.error(`[slmlab] ${err instanceof ConfigError ? err.message : String(err)}`);
  process.exit(1);
}

try {
  const { applied, alreadyApplied } = await migrate(url, path.join(root, 'prisma/migrations'));
  const where = new URL(url);
  console.log(
    `[slmlab] database ${where.pathname.slice(1)} on ${where.host}: ` +
      `${applied.length} migration(s) applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${alreadyApplied.length} already there`,
  );
} catch (err) {
  console.error(`[slmlab] migration failed: ${(err as Error).message}`);
  process.exit(1);
}
