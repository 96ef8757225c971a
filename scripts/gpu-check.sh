#!/usr/bin/env bash
# The GPU check for a box with an NVIDIA GPU and no network or Node.js (docs/performance.md, "GPU check").
#   scripts/gpu-check.sh pack [OUT_DIR]    here: build the pack (default gpu-check-pack/, at most 60 MiB)
#   scripts/gpu-check.sh smoke [PACK_DIR]  here: run the pack end to end on SwiftShader (no GPU needed),
#                                          from a copy in a temp dir, with no node, xz or dpkg-deb on PATH
# On the box: copy the pack over, then `bash run.sh` inside it (results in ./gpu-check-out, or $OUT).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

smoke() {
  local pack=${1:-$ROOT/gpu-check-pack} tmp
  [ -f "$pack/run.sh" ] || bash "$ROOT/scripts/gpu-check/pack.sh" "$pack"
  tmp=$(mktemp -d /tmp/gpu-check-smoke.XXXXXX)
  cp -r "$pack" "$tmp/pack"
  # a PATH like the box's: everything in /usr/bin but Node and the unpacking tools run.sh must do without
  mkdir "$tmp/bin"
  for f in /usr/bin/*; do
    case ${f##*/} in node | npm | npx | corepack | xz | unxz | dpkg-deb) ;; *) ln -s "$f" "$tmp/bin/" ;; esac
  done
  echo "smoke: pack copied to $tmp/pack; PATH=$tmp/bin (no node, xz, dpkg-deb)"
  (cd "$tmp/pack" && env -i HOME="$tmp" PATH="$tmp/bin" OUT="$tmp/out" GPU_CHECK_SMOKE=1 GPU_CHECK_PACK_VULKAN=1 \
    GPU_CHECK_TORCH_DEVICE="${GPU_CHECK_TORCH_DEVICE:-auto}" OMP_WAIT_POLICY=PASSIVE \
    VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}" bash run.sh)
}

case ${1:-} in
  pack) shift; exec bash "$ROOT/scripts/gpu-check/pack.sh" "$@" ;;
  smoke) shift; smoke "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
