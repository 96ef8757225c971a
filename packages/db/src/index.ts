export * from './client.ts';
export * from './experiments.ts';
export * from './checkpoints.ts';
export { migrate, ensureDatabase } from './migrate.ts';
