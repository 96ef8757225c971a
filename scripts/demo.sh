#!/usr/bin/env bash
# `npm run demo`: installs what is needed, migrates, starts the API and one worker in the background against
# local PostgreSQL and Redis, submits a small real experiment over HTTP and prints its result.
# The service stays up afterwards (API on http://127.0.0.1:${PORT:-3000}, docs at /docs); `npm run down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/tsx ] || npm ci
# npm ci builds the dashboard; an older install may predate it.
[ -f apps/web/dist/index.html ] || node scripts/build-web.mjs
bash scripts/ensure-services.sh

export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/slmlab}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-3000}"
# Use the checked-out data next to the project when it is there; else the loader downloads to its cache.
if [ -z "${SLMLAB_DATA_DIR:-}" ] && [ -f ../shared/data/tinyshakespeare/input.txt ]; then
  export SLMLAB_DATA_DIR="$(cd ../shared/data && pwd)"
fi

npm run --silent db:migrate

run_dir=.slmlab
mkdir -p "$run_dir/logs"
start() { # name script
  local pidfile="$run_dir/$1.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "[slmlab] $1 already running (pid $(cat "$pidfile"))"
    return
  fi
  nohup node --import tsx "$2" >>"$run_dir/logs/$1.log" 2>&1 &
  echo $! >"$pidfile"
  echo "[slmlab] started $1 (pid $!, log $run_dir/logs/$1.log)"
}
start api apps/api/src/server.ts
start worker apps/worker/src/main.ts

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "[slmlab] API did not become ready; see $run_dir/logs/api.log" >&2; exit 1; }

node --import tsx scripts/demo-submit.ts "http://127.0.0.1:$PORT"
echo "[slmlab] the service is still running: API http://127.0.0.1:$PORT (OpenAPI UI at /docs). Stop it with: npm run down"
echo "[slmlab] dashboard: http://127.0.0.1:$PORT/ui/ (runs, live curves, sweeps, the frontier, the queue)"
