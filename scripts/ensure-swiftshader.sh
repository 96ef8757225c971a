#!/usr/bin/env bash
# Makes sure SwiftShader (a CPU implementation of Vulkan) and the Vulkan loader are installed, so that the
# webgpu backend's tests run on a machine without a GPU. Debian's `chromium` package ships SwiftShader; the
# tests point Dawn at it with VK_ICD_FILENAMES (scripts/test.sh). Prints the ICD file's path.
set -euo pipefail
icd=/usr/lib/chromium/vk_swiftshader_icd.json
have() { [ -f "$icd" ] && [[ "$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null)" == *"libvulkan.so.1 "* ]]; }

if ! have; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[slmlab] installing SwiftShader (Debian's chromium) and the Vulkan loader for the webgpu tests" >&2
    apt-get install -y --no-install-recommends chromium libvulkan1 >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium libvulkan1 >/dev/null; }
  else
    echo "[slmlab] the webgpu tests need SwiftShader and the Vulkan loader: apt-get install chromium libvulkan1 (as root)" >&2
    exit 1
  fi
fi
have || { echo "[slmlab] SwiftShader is still missing after installing chromium (expected $icd)" >&2; exit 1; }
echo "$icd"
