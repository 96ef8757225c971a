export * from './errors.ts';
export * from './datasets.ts';
export * from './spec.ts';
export * from './cost.ts';
export * from './spec-hash.ts';
export * from './queue.ts';
export * from './config.ts';
export * from './metrics.ts';
