// The name this deployment writes into the bundles it exports (`source.deploymentId`).
import { hostname } from 'node:os';
import type { ApiConfig } from '../config.ts';

/** SLMLAB_DEPLOYMENT_ID, else host, database and queue prefix: what tells two deployments apart in practice. */
export function deploymentId(config: ApiConfig): string {
  if (config.SLMLAB_DEPLOYMENT_ID) return config.SLMLAB_DEPLOYMENT_ID;
  const database = new URL(config.DATABASE_URL).pathname.slice(1) || 'postgres';
  return `${hostname()}:${database}:${config.SLMLAB_QUEUE_PREFIX}`.slice(0, 200);
}
