// Experiment bundles: one file that moves an experiment between deployments (docs/checkpoints.md).
export * from './format.ts';
export * from './schema.ts';
export * from './types.ts';
export * from './checkpoint-peek.ts';
export { encodeBundle, sha256Hex } from './encode.ts';
export { decodeBundle } from './decode.ts';
export * from './plan.ts';
