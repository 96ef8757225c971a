// The application as a Fastify plugin (plugins, then routes), and buildApp, which gives it an instance.
// server.ts boots it; tests call buildApp and app.inject().
import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiConfig } from './config.ts';
import { authPlugin } from './auth/plugin.ts';
import { boardPlugin } from './board/plugin.ts';
import { dbPlugin } from './plugins/db.ts';
import { errorsPlugin } from './edge/errors.ts';
import { metricsPlugin, metricsRoutes } from './metrics/plugin.ts';
import { progressPlugin } from './live/progress.ts';
import { queuePlugin } from './plugins/queue.ts';
import { reconcilePlugin } from './reconcile/plugin.ts';
import { servicesPlugin } from './plugins/services.ts';
import fp from 'fastify-plugin';
import { swaggerPlugin } from './plugins/swagger.ts';
import { checkpointRoutes } from './experiments/checkpoint-routes.ts';
import { compareRoutes } from './search/compare-routes.ts';
import { eventRoutes } from './live/routes.ts';
import { experimentRoutes } from './experiments/routes.ts';
import { frontierRoutes } from './search/frontier-routes.ts';
import { healthRoutes } from './health/routes.ts';
import { metricRoutes } from './search/curve-routes.ts';
import { sweepRoutes } from './sweeps/routes.ts';
import { transferRoutes } from './transfer/routes.ts';
import { uiPlugin } from './ui/plugin.ts';
import { workerRoutes } from './workers/routes.ts';
import { validatorCompiler } from './edge/validation.ts';
import { InvalidJsonError } from './edge/http-errors.ts';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from './edge/input-rules.ts';
import { requestLogFields } from './edge/log-redact.ts';

/** Not scoped, so that the instance it is registered on carries its decorators (db, queue): tests use them. */
export const app = fp<{ config: ApiConfig }>(async (fastify, { config }) => {
  // Order matters: the error handler and the OpenAPI collector must exist before the routes they cover.
  await fastify.register(errorsPlugin);
  await fastify.register(metricsPlugin, { prefix: config.SLMLAB_QUEUE_PREFIX });
  await fastify.register(swaggerPlugin);
  await fastify.register(dbPlugin, { databaseUrl: config.DATABASE_URL });
  await fastify.register(queuePlugin, { redisUrl: config.REDIS_URL, prefix: config.SLMLAB_QUEUE_PREFIX });
  await fastify.register(progressPlugin, { redisUrl: config.REDIS_URL, prefix: config.SLMLAB_QUEUE_PREFIX });
  await fastify.register(servicesPlugin, { config });
  await fastify.register(reconcilePlugin, { intervalS: config.SLMLAB_RECONCILE_INTERVAL_S, heartbeatTimeoutS: config.SLMLAB_HEARTBEAT_TIMEOUT_S });
  // Before every route: its hook covers each one registered after it (auth/plugin.ts).
  await fastify.register(authPlugin, {
    enabled: config.SLMLAB_AUTH === 'on',
    openReads: config.SLMLAB_AUTH_OPEN_READS,
    openCheckpoints: config.SLMLAB_AUTH_OPEN_CHECKPOINTS,
  });
  await fastify.register(healthRoutes);
  await fastify.register(metricsRoutes);
  await fastify.register(experimentRoutes, { prefix: '/v1' });
  await fastify.register(checkpointRoutes, { prefix: '/v1' });
  await fastify.register(transferRoutes, { prefix: '/v1', maxImportBytes: config.SLMLAB_MAX_IMPORT_BYTES });
  await fastify.register(metricRoutes, { prefix: '/v1' });
  await fastify.register(frontierRoutes, { prefix: '/v1' });
  await fastify.register(compareRoutes, { prefix: '/v1' });
  await fastify.register(sweepRoutes, { prefix: '/v1' });
  await fastify.register(workerRoutes, { prefix: '/v1' });
  await fastify.register(eventRoutes, { prefix: '/v1', maxStreams: config.SLMLAB_MAX_EVENT_STREAMS });
  await fastify.register(uiPlugin, { dir: config.SLMLAB_UI_DIR });
  await fastify.register(boardPlugin);
}, { name: 'slmlab-api' });

export interface BuildAppOptions {
  config: ApiConfig;
  /** Fastify's logger option: false (default, for tests) or pino options. */
  logger?: boolean | object;
}

export function buildApp({ config, logger = false }: BuildAppOptions): FastifyInstance {
  const requestTimeout = Math.round(config.REQUEST_TIMEOUT_S * 1000);
  const fastify = Fastify({
    logger: typeof logger === 'object' ? { ...logger, serializers: { req: requestLogFields, ...(logger as { serializers?: object }).serializers } } : logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default): often enough for this one.
    serverFactory: (handler) =>
      http.createServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout) }, handler),
  }).withTypeProvider<TypeBoxTypeProvider>();
  fastify.setValidatorCompiler(validatorCompiler);
  // A JSON API: without this, text/plain bodies would be parsed as strings and fail validation (400)
  // instead of being refused as an unsupported media type (415).
  fastify.removeContentTypeParser('text/plain');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  fastify.register(app, { config });
  return fastify;
}

/**
 * JSON.parse, bounded: nesting is counted before parsing (recursive code downstream must not overflow), and
 * keys such as `__proto__` are left as plain data for validation to refuse with their path (edge/input-rules.ts).
 */
function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new InvalidJsonError('the body is empty; send a JSON document (content-type: application/json)');
  if (jsonDepthExceeds(text)) throw new InvalidJsonError(`the body is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidJsonError(`the body is not valid JSON: ${(err as Error).message}`);
  }
}
