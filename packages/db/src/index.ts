export * from './client.ts';
export * from './experiments.ts';
export * from './checkpoints.ts';
export * from './search.ts';
export * from './frontier.ts';
export * from './sweeps.ts';
export * from './tokens.ts';
export * from './queue-stats.ts';
export { migrate, ensureDatabase } from './migrate.ts';
