#!/bin/sh
# Entry point of the webgpu worker image (infra/Dockerfile, target `worker`); then runs the command given.
#
# Dawn reaches an NVIDIA GPU through the Vulkan loader (libvulkan1, in the image) and the driver's Vulkan ICD,
# libGLX_nvidia.so.0, which the NVIDIA container toolkit mounts from the host when NVIDIA_DRIVER_CAPABILITIES
# includes `graphics`. The loader also needs a manifest (nvidia_icd.json) naming that library. The toolkit mounts
# the host's manifest at /etc/vulkan/icd.d/ through the nvidia runtime or CDI, but Docker's --gpus and compose's
# device reservations on the default runc runtime go through libnvidia-container, which mounts the libraries
# and no manifest (NVIDIA/nvidia-container-toolkit#16, NVIDIA/libnvidia-container#132). In that case only, the
# loader is pointed at the image's own manifest. Every branch says in the log what it found.
set -eu

log() { echo "[slmlab entrypoint] $*" >&2; }

# The first NVIDIA manifest in the loader's system search path, if any.
mounted_manifest() {
  for dir in /etc/xdg/vulkan/icd.d /usr/local/etc/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/icd.d; do
    for f in "$dir"/nvidia_icd*.json; do
      if [ -e "$f" ]; then echo "$f"; return 0; fi
    done
  done
  return 1
}

# Whether the driver's Vulkan library is in the container (the ldconfig cache, which the toolkit refreshes).
has_glx_nvidia() {
  ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0' && return 0
  for f in /usr/lib/*/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/lib/libGLX_nvidia.so.0; do
    if [ -e "$f" ]; then return 0; fi
  done
  return 1
}

if [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  log "Vulkan driver manifest set by the environment: ${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}"
elif found=$(mounted_manifest); then
  log "NVIDIA Vulkan driver manifest mounted by the container runtime: $found"
elif has_glx_nvidia; then
  export VK_ICD_FILENAMES=/opt/slmlab/vulkan/nvidia_icd.json
  log "libGLX_nvidia.so.0 is mounted but no Vulkan driver manifest is: using the image's, $VK_ICD_FILENAMES"
elif [ -e /dev/nvidiactl ]; then
  log "an NVIDIA device is visible but the driver's Vulkan library (libGLX_nvidia.so.0) is not:" \
      "NVIDIA_DRIVER_CAPABILITIES must include graphics (it is '${NVIDIA_DRIVER_CAPABILITIES:-unset}')"
else
  log "no NVIDIA device in this container: start it with the NVIDIA runtime (--gpus, or compose's device reservations)"
fi

# Vulkan drivers warn when XDG_RUNTIME_DIR is unset; it must be private to the user.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR="/tmp/runtime-$(id -u)"
  export XDG_RUNTIME_DIR
fi
mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"

exec "$@"
