#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1; starts them if they are installed but down.
# On a machine with neither, see docs/operations.md (apt-get install postgresql redis-server, or docker compose).
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "[slmlab] starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "[slmlab] PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started" >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "[slmlab] starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/slmlab.log || true
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "[slmlab] Redis is not reachable on 127.0.0.1:6379 and could not be started" >&2; exit 1; }
fi
echo "[slmlab] PostgreSQL and Redis are up"
