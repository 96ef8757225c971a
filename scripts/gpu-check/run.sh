#!/usr/bin/env bash
# slmlab's GPU check, on a box with an NVIDIA GPU and no network or Node.js: `bash run.sh` in this folder.
# Prints the GPU stack and the WebGPU adapter Dawn finds, trains the study's Table A transformer on webgpu,
# on wasm (one CPU core) and in PyTorch on the same GPU, and compares them. Everything goes to $OUT
# (default ./gpu-check-out): log.txt, one JSON per phase, summary.json.
# Each phase runs under its own timeout and the caps add up to under 8 minutes: a hang loses one phase.
# Options (environment): GPU_CHECK_SMOKE=1 (tiny model, accepts a software adapter: for testing without a
# GPU), GPU_CHECK_ADAPTER=<name> (Dawn's adapter filter), GPU_CHECK_PYTHON=<python with torch>,
# GPU_CHECK_STEPS / GPU_CHECK_WASM_STEPS / GPU_CHECK_WARMUP, GPU_CHECK_WORK=<where to unpack>,
# GPU_CHECK_PACK_VULKAN=1 (use the pack's Vulkan loader even where the box has one).
set -uo pipefail
PACK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
WORK=${GPU_CHECK_WORK:-$OUT/work}
DEADLINE=440 # seconds: every phase's timeout is cut to what is left of this...
RESERVE=15   # ...less the summary's share, so that a hang never costs the summary
: >"$OUT/phases.tsv"
exec > >(tee "$OUT/log.txt") 2>&1

section() { printf '\n== %s ==\n' "$*"; }
left() { echo $((DEADLINE - RESERVE - SECONDS)); }

# phase NAME CAP CMD...: runs CMD under min(CAP, what is left) seconds; records how it ended.
phase() {
  local name=$1 cap=$2 limit start rc status
  shift 2
  limit=$(($(left) < cap ? $(left) : cap))
  if [ "$limit" -lt 10 ]; then
    printf '%s\tskipped (no time left)\t0\n' "$name" >>"$OUT/phases.tsv"
    echo "($name skipped: the 8-minute budget is spent)"
    return 1
  fi
  section "$name (at most ${limit} s)"
  start=$SECONDS
  PHASE_LIMIT=$limit timeout -k 2 "$limit" "$@"
  rc=$?
  case $rc in 0) status=ok ;; 124 | 137) status="timed out after ${limit} s" ;; *) status="failed (exit $rc)" ;; esac
  printf '%s\t%s\t%d\n' "$name" "$status" $((SECONDS - start)) >>"$OUT/phases.tsv"
  [ "$rc" = 0 ] || echo "($name: $status)"
  return "$rc"
}

python_for_lzma() { # any python3 unpacks .xz; the box's own first
  for py in /usr/bin/python3 "$(command -v python3 || true)"; do [ -x "$py" ] && { echo "$py"; return; }; done
}

torch_python() { # the box's /usr/bin/python3 if it has torch, else a python3 on PATH that has it
  for py in ${GPU_CHECK_PYTHON:-} /usr/bin/python3 "$(command -v python3 || true)"; do
    [ "$(left)" -gt 10 ] || return
    [ -x "$py" ] && timeout 30 "$py" -c 'import torch' 2>/dev/null && { echo "$py"; return; }
  done
}

unxz() { # SRC DEST
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  elif [ -n "$(python_for_lzma)" ]; then "$(python_for_lzma)" "$PACK/unpack.py" xz "$1" "$2"
  else echo "neither xz nor python3 is here: cannot unpack $1" >&2; return 1; fi
}

unpack() {
  local stamp
  stamp=$(cksum <"$PACK/SHA256SUMS")
  if [ -f "$WORK/.unpacked" ] && [ "$(cat "$WORK/.unpacked")" = "$stamp" ]; then echo "already unpacked in $WORK"; return; fi
  if command -v sha256sum >/dev/null; then (cd "$PACK" && sha256sum -c --quiet SHA256SUMS) || return 1; fi
  rm -rf "$WORK" && mkdir -p "$WORK/node_modules/webgpu/dist/linux-x64" "$WORK/data/tinyshakespeare"
  unxz "$PACK/node.xz" "$WORK/node" && chmod +x "$WORK/node" || return 1
  unxz "$PACK/webgpu/dist/linux-x64/dawn.node.xz" "$WORK/node_modules/webgpu/dist/linux-x64/dawn.node" || return 1
  unxz "$PACK/data/tinyshakespeare/input.txt.xz" "$WORK/data/tinyshakespeare/input.txt" || return 1
  # the bundle imports `webgpu` from node_modules beside it and reads its .wasm files beside it
  cp "$PACK/webgpu/package.json" "$PACK/webgpu/index.js" "$WORK/node_modules/webgpu/"
  cp "$PACK/gpu-check.mjs" "$PACK"/*.wasm "$WORK/"
  "$WORK/node" --version || { echo "the bundled Node does not run here (it needs glibc >= 2.28 on x86-64)"; return 1; }
  echo "$stamp" >"$WORK/.unpacked"
  echo "unpacked into $WORK"
}

find_lib() { # is a shared library known to the dynamic linker?
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -F "$1 " | head -1 | sed 's/.*=> //'
}

vulkan_loader() { # the box's libvulkan.so.1, else the pack's (Debian bookworm's libvulkan1)
  local lib
  lib=$(find_lib libvulkan.so.1)
  if [ -n "$lib" ] && [ "${GPU_CHECK_PACK_VULKAN:-}" != 1 ]; then
    export GPU_CHECK_VULKAN_LOADER="system ($lib)"
  else
    local deb
    deb=$(ls "$PACK"/libvulkan1_*.deb)
    mkdir -p "$WORK/vulkan"
    if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$WORK/vulkan"; else "$(python_for_lzma)" "$PACK/unpack.py" deb "$deb" "$WORK/vulkan"; fi
    export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export GPU_CHECK_VULKAN_LOADER="pack ($(basename "$deb"))"
  fi
  echo "Vulkan loader: $GPU_CHECK_VULKAN_LOADER"
}

# where the Vulkan loader looks for driver manifests (XDG config dirs first, then data dirs)
ICD_DIRS=(/etc/xdg/vulkan/icd.d /usr/local/etc/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/icd.d)

icds() { # the Vulkan drivers the loader will consider; an NVIDIA one written here if only its library exists
  local found=0 f
  # unquoted below: the globs must expand (these paths hold no spaces)
  for f in ${ICD_DIRS[@]/%//*.json}; do
    [ -f "$f" ] || continue
    found=1
    echo "ICD: $f → $(grep -o '"library_path"[^,}]*' "$f" | sed 's/.*: *//')"
  done
  [ "$found" = 1 ] || echo "ICD: none in ${ICD_DIRS[*]}"
  if [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
    echo "ICD override: ${VK_ICD_FILENAMES:-$VK_DRIVER_FILES}"
  elif ! grep -qsi nvidia ${ICD_DIRS[@]/%//*.json}; then
    # containers often mount the driver's libraries without its ICD file: the Vulkan driver is libGLX_nvidia
    if [ -n "$(find_lib libGLX_nvidia.so.0)" ]; then
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}\n' >"$WORK/nvidia_icd.json"
      export VK_ICD_FILENAMES="$WORK/nvidia_icd.json" VK_DRIVER_FILES="$WORK/nvidia_icd.json"
      echo "ICD: no NVIDIA ICD file, but libGLX_nvidia.so.0 is here: using $WORK/nvidia_icd.json"
    else
      echo "no NVIDIA Vulkan driver (libGLX_nvidia.so.0) found: in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics"
    fi
  fi
}

gpu_stack() { # nvidia-smi can hang on a wedged GPU: it runs as a timed phase
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi
    echo "driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
  else
    echo "nvidia-smi: not here"
  fi
  if [ -r /proc/driver/nvidia/version ]; then echo "kernel module: $(head -1 /proc/driver/nvidia/version)"; fi
}

node_phase() { # NAME CAP: a phase of the bundle; its --budget leaves it time to write its results
  local margin=$3
  phase "$1" "$2" bash -c 'exec "$0/node" "$0/gpu-check.mjs" "$1" --budget=$((PHASE_LIMIT - $2))' "$WORK" "$1" "$margin"
}

export GPU_CHECK_OUT="$OUT" GPU_CHECK_DATA="$WORK/data" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK}"
section "slmlab GPU check$([ "${GPU_CHECK_SMOKE:-}" = 1 ] && echo ' (SMOKE mode: tiny model, software adapter accepted)'), $(date -u +%FT%TZ), $(uname -srm)"
phase "GPU stack" 30 bash -c "$(declare -f gpu_stack); gpu_stack"
phase unpack 45 bash -c "$(declare -f unpack unxz python_for_lzma); PACK='$PACK' WORK='$WORK'; unpack"
unpacked=$?
# these export variables for the phases after them (and only read files): run here, not in a timed child
section Vulkan
mkdir -p "$WORK"
vulkan_loader
icds
if [ "$unpacked" = 0 ]; then
  node_phase probe 45 5
  node_phase export 30 5
  node_phase webgpu 120 15
fi
PY=$(torch_python)
if [ -z "$PY" ]; then
  section "PyTorch peer"; echo "skipped: no python3 with torch here (tried ${GPU_CHECK_PYTHON:+$GPU_CHECK_PYTHON, }/usr/bin/python3 and python3 on PATH)"
  printf 'torch\tskipped (no torch)\t0\n' >>"$OUT/phases.tsv"
elif [ ! -f "$OUT/export.json" ]; then
  printf 'torch\tskipped (export phase did not run)\t0\n' >>"$OUT/phases.tsv"
else
  echo "PyTorch peer: $PY"
  phase torch 80 bash -c 'exec "$0" "$1/peer.py" "$2" --budget=$((PHASE_LIMIT - 25))' "$PY" "$PACK" "$OUT"
fi
[ "$unpacked" = 0 ] && node_phase wasm 70 10
RESERVE=0
[ "$unpacked" = 0 ] && phase summary 15 "$WORK/node" "$WORK/gpu-check.mjs" summary
section "phases"
column -t -s $'\t' "$OUT/phases.tsv" 2>/dev/null || cat "$OUT/phases.tsv"
echo "total: ${SECONDS} s; results in $OUT"
