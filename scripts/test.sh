#!/usr/bin/env bash
# Runs every test (unit tests beside the code, end-to-end suites in test/) against the real local
# PostgreSQL and Redis. Migrates the test database (slmlab_test by default); each test file then runs on a copy of
# it of its own (test/helpers/own-database.mjs): tests write to their copies only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/tsx ] || npm ci --no-audit --no-fund
bash scripts/ensure-services.sh >/dev/null

export DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/slmlab_test}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export SLMLAB_DATA_DIR="${SLMLAB_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export SLMLAB_ALLOW_DOWNLOAD=false
export LOG_LEVEL="${LOG_LEVEL:-silent}"
# The webgpu backend's tests run on SwiftShader, a CPU Vulkan (installed here if missing), whatever GPU the
# machine has: the same adapter everywhere, and `auto` must still refuse it for a real worker.
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-$(bash scripts/ensure-swiftshader.sh)}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

npx tsc -p tsconfig.json --noEmit
npx tsc -p apps/web/tsconfig.json --noEmit
# The browser tests (test/ui*.test.ts) drive the dashboard as built from these sources, not an older build.
node scripts/build-web.mjs >/dev/null
npx tsx packages/db/src/migrate-cli.ts

# Node 20 does not expand globs itself; list the files here. Args narrow the run: `npm test -- apps/api`.
# SLMLAB_TEST_ORDER=reverse|shuffle runs the files in another order: each has a database of its own
# (test/helpers/own-database.mjs, a copy of the migrated one above), so none depends on another's rows.
mapfile -t files < <(find ${@:-packages apps test} -name '*.test.ts' -not -path '*/node_modules/*' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files found under: ${*:-packages apps test}"; exit 1; }
case "${SLMLAB_TEST_ORDER:-sorted}" in
  reverse) mapfile -t files < <(printf '%s\n' "${files[@]}" | tac) ;;
  shuffle) mapfile -t files < <(printf '%s\n' "${files[@]}" | shuf) ;;
esac
exec node --import tsx --import ./test/helpers/own-database.mjs --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
