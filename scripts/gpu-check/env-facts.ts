// What the box says about its GPU stack, for probe.json: the NVIDIA driver, the Vulkan ICDs the loader will
// consider, and which Vulkan loader Dawn gets (the box's own or the pack's). run.sh prints the same facts as
// text before Node starts, so that they are seen even when Node cannot run.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface EnvFacts {
  /** First line of /proc/driver/nvidia/version (the kernel module). */
  kernelModule?: string;
  /** nvidia-smi's one line per GPU: name, driver version, memory, compute capability. */
  gpus: string[];
  icds: { file: string; libraryPath?: string }[];
  /** VK_ICD_FILENAMES / VK_DRIVER_FILES when set (run.sh sets one when it writes an NVIDIA ICD itself). */
  icdOverride?: string;
  /** run.sh: "system (<path>)" or "pack (libvulkan1 <version>)". */
  vulkanLoader?: string;
}

const ICD_DIRS = ['/etc/xdg/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

export function envFacts(): EnvFacts {
  return {
    kernelModule: readFirstLine('/proc/driver/nvidia/version'),
    gpus: nvidiaSmi(),
    icds: listIcds(),
    icdOverride: process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES,
    vulkanLoader: process.env.GPU_CHECK_VULKAN_LOADER,
  };
}

function readFirstLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

function nvidiaSmi(): string[] {
  // compute_cap is only known to drivers from 2021 on: ask again without it
  for (const fields of ['name,driver_version,memory.total,compute_cap', 'name,driver_version,memory.total']) {
    try {
      const out = execFileSync('nvidia-smi', [`--query-gpu=${fields}`, '--format=csv,noheader'], { timeout: 15_000, encoding: 'utf8' });
      return out.trim().split('\n').filter(Boolean);
    } catch {
      continue;
    }
  }
  return [];
}

function listIcds(): EnvFacts['icds'] {
  const out: EnvFacts['icds'] = [];
  for (const dir of ICD_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      continue;
    }
    for (const n of names) {
      const file = path.join(dir, n);
      out.push({ file, libraryPath: libraryPath(file) });
    }
  }
  return out;
}

function libraryPath(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path;
  } catch {
    return undefined;
  }
}
