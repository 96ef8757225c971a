// Probes: /healthz says the process serves requests; /readyz says it can do its work (PostgreSQL and Redis
// answer), so a load balancer sends traffic only to instances that can accept experiments.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { pingDb, type Db } from '@slmlab/db';
import type { ExperimentQueue } from '../plugins/queue.ts';
import { withTimeout } from '@slmlab/core';

/** Probes are polled often and must answer quickly even when a dependency hangs. */
const CHECK_TIMEOUT_MS = 1500;

const Check = Type.String({ description: '"ok", or "error: <reason>"' });
const Readiness = Type.Object(
  { status: Type.Enum(['ready', 'unavailable']), checks: Type.Object({ postgres: Check, redis: Check }) },
  { description: '200 when every check is ok, else 503' },
);
const Alive = Type.Object({ status: Type.Literal('ok') }, { description: 'the process serves requests' });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'liveness', response: { 200: Alive } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: { tags: ['health'], summary: 'readiness: PostgreSQL and Redis answer', response: { 200: Readiness, 503: Readiness } },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([checkPostgres(app.db), checkRedis(app.queue)]);
      const ready = postgres === 'ok' && redis === 'ok';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } });
    },
  );
};

async function checkPostgres(db: Db): Promise<string> {
  return (await pingDb(db, CHECK_TIMEOUT_MS)) ? 'ok' : `error: SELECT 1 failed or took over ${CHECK_TIMEOUT_MS} ms`;
}

async function checkRedis(queue: ExperimentQueue): Promise<string> {
  try {
    await withTimeout(ping(queue), CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/**
 * PING on the queue's own connection. BullMQ's client type lists only the commands BullMQ itself uses; the
 * ioredis client behind it has them all.
 */
async function ping(queue: ExperimentQueue): Promise<void> {
  const client = (await queue.getBackend().client) as unknown as { ping(): Promise<string> };
  await client.ping();
}
