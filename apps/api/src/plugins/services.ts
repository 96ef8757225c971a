// The composition root: every repository and service of the API, built once from the one parsed config and
// decorated onto the app as `app.services`. Routes only call them; nothing else constructs a service.
// Needs the db, queue and progress plugins registered first.
import type { FastifyPluginAsync } from 'fastify';
import { checkpointsRepo, experimentsRepo, queueStatsRepo, sweepsRepo, tokensRepo, transferRepo } from '@slmlab/db';
import type { ApiConfig } from '../config.ts';
import { experimentService } from '../experiments/service.ts';
import { limitsFromConfig } from '../experiments/limits.ts';
import type { LiveDeps } from '../live/streams.ts';
import { searchService } from '../search/service.ts';
import { sweepService } from '../sweeps/service.ts';
import { deploymentId } from '../transfer/deployment.ts';
import { transferService } from '../transfer/service.ts';
import { workerService } from '../workers/service.ts';
import fp from 'fastify-plugin';

/** How often a live event stream reads the experiment's row and new epoch points. */
const LIVE_POLL_MS = 1000;

export function buildServices(app: Parameters<FastifyPluginAsync>[0], config: ApiConfig) {
  const repos = {
    experiments: experimentsRepo(app.db),
    checkpoints: checkpointsRepo(app.db),
    sweeps: sweepsRepo(app.db),
    tokens: tokensRepo(app.db),
    queueStats: queueStatsRepo(app.db),
    transfer: transferRepo(app.db),
  };
  const limits = limitsFromConfig(config);
  const experiments = experimentService({ experiments: repos.experiments, checkpoints: repos.checkpoints, queue: app.queue, publishCancel: app.publishCancel, limits, log: app.log });
  const live: LiveDeps = { experiments: repos.experiments, sweeps: repos.sweeps, hub: app.progressHub, pollMs: LIVE_POLL_MS };
  return {
    repos,
    experiments,
    search: searchService(app.db, repos.experiments),
    sweeps: sweepService({ sweeps: repos.sweeps, experiments, limits, maxCells: config.SLMLAB_MAX_SWEEP_CELLS }),
    live,
    transfer: transferService({ transfer: repos.transfer, experiments: repos.experiments, queue: app.queue, limits, deploymentId: deploymentId(config), log: app.log }),
    workers: workerService({ queue: app.queue, prefix: config.SLMLAB_QUEUE_PREFIX, stats: repos.queueStats, log: app.log }),
  };
}

export type Services = ReturnType<typeof buildServices>;

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export const servicesPlugin = fp<{ config: ApiConfig }>(async (app, { config }) => {
  app.decorate('services', buildServices(app, config));
}, { name: 'services' });
