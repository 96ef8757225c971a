// What the GPU check trains and for how long, parsed once from the environment run.sh passes down.
// The model is the study's Table A transformer (the preset file, bundled in); smoke mode shrinks it so that
// the whole check runs in minutes on SwiftShader, a CPU implementation of Vulkan.
import { parseSpec, type ExperimentSpec } from '@slmlab/core';
import preset from '../../experiments/paper/table-a/transformer.json' with { type: 'json' };

export interface CheckConfig {
  smoke: boolean;
  /** Take a software WebGPU adapter (SwiftShader) as if it were a GPU: smoke runs only. */
  allowSoftware: boolean;
  /** Dawn's adapter filter (a box with several GPUs). */
  adapter?: string;
  webgpuSteps: number;
  wasmSteps: number;
  /** Steps at the start of each run left out of its timing (shader compilation, memory growth). */
  warmup: number;
  /** n of the n×n matmul that measures the webgpu backend's peak (default: ml/peak.ts's peakMatrixSize). */
  peakN?: number;
  /** Where the data set's `tinyshakespeare/input.txt` was unpacked. */
  dataDir: string;
  /** The output directory for JSON and the files shared with the PyTorch peer. */
  out: string;
}

/** Smoke shapes: the 1-layer model `bin/slmlab train` runs on SwiftShader in seconds a step. */
const SMOKE_MODEL = { layers: 1, contextLength: 16, dModel: 32, ffnHidden: 64 };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CheckConfig {
  const smoke = env.GPU_CHECK_SMOKE === '1';
  const int = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, got ${env[name]}`);
    return v;
  };
  return {
    smoke,
    allowSoftware: smoke || env.GPU_CHECK_ALLOW_SOFTWARE === '1',
    adapter: env.GPU_CHECK_ADAPTER || undefined,
    webgpuSteps: int('GPU_CHECK_STEPS', smoke ? 6 : 50),
    wasmSteps: int('GPU_CHECK_WASM_STEPS', smoke ? 6 : 20),
    warmup: int('GPU_CHECK_WARMUP', smoke ? 2 : 5),
    peakN: env.GPU_CHECK_PEAK_N ? int('GPU_CHECK_PEAK_N', 0) : undefined,
    dataDir: env.GPU_CHECK_DATA ?? 'data',
    out: env.GPU_CHECK_OUT ?? 'gpu-check-out',
  };
}

/**
 * The spec a phase trains: the preset (smoke: shrunk), one epoch of exactly `steps` full batches, and the
 * smallest evaluation train() allows (one batch): the check times training, not evaluation.
 */
export function checkSpec(cfg: CheckConfig, steps: number): ExperimentSpec {
  const raw = structuredClone(preset) as { model: Record<string, unknown>; training: Record<string, unknown> };
  if (cfg.smoke) Object.assign(raw.model, SMOKE_MODEL);
  const B = raw.training.batchSize as number;
  Object.assign(raw.training, { epochs: 1, windowsPerEpoch: Math.max(1, steps) * B, evalWindows: B });
  return parseSpec(raw);
}
