// Builds the dashboard (apps/web → apps/web/dist, served by the API under /ui). Runs at `npm ci` (postinstall)
// and before the tests; skipped, saying so, where Vite is not installed (an install without dev dependencies:
// such an image builds the dashboard in its build stage, infra/Dockerfile).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

process.chdir(new URL('..', import.meta.url).pathname);

const vite = 'node_modules/vite/bin/vite.js';
if (!existsSync(vite)) {
  console.log('[slmlab] vite not installed (production install?): skipping the dashboard build');
  process.exit(0);
}
const r = spawnSync(process.execPath, [vite, 'build', 'apps/web', '--logLevel', 'warn'], { stdio: 'inherit' });
if (r.status === 0) console.log('[slmlab] dashboard built: apps/web/dist (served at /ui)');
process.exit(r.status ?? 1);
