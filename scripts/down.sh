#!/usr/bin/env bash
# Stops what `npm run demo` started (SIGTERM: the worker finishes or hands back its job first).
set -uo pipefail
cd "$(dirname "$0")/.."
for name in worker api; do
  pidfile=.slmlab/$name.pid
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 70); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    echo "[slmlab] stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
done
