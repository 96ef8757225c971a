// Runs `prisma generate` without letting the CLI download its schema-engine binary.
// Generate itself needs no engine, but the CLI insists on a binary path: an existing
// file satisfies it (see docs/operations.md, "Prisma without downloads").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = 'node_modules/prisma/build/index.js';
if (!existsSync(cli)) {
  console.log('[slmlab] prisma CLI not installed (production install?): skipping generate');
  process.exit(0);
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const r = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
