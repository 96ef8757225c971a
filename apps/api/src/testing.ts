// Helpers for the API's tests: an app on the real test database and Redis, with a queue prefix of its own.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';

/**
 * Builds and readies an app from the environment that `npm test` sets (DATABASE_URL = the test database),
 * with `overrides` on top. Each test file passes its own prefix, so its jobs are its own.
 * The queue reconciler is off unless `overrides` turns it on: a test's queued rows are its own to drive (each test
 * file has a database of its own, test/helpers/own-database.mjs), and a reconciler would re-enqueue them.
 */
export async function testApp(prefix: string, overrides: NodeJS.ProcessEnv = {}): Promise<FastifyInstance> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is unset: run the tests with `npm test`');
  const config = loadApiConfig({
    ...process.env,
    SLMLAB_QUEUE_PREFIX: `${prefix}-${process.pid}`,
    SLMLAB_RECONCILE_INTERVAL_S: '0',
    ...overrides,
  });
  const app = buildApp({ config });
  await app.ready();
  return app;
}

/** Removes every key of the app's queue, then closes the app. */
export async function closeTestApp(app: FastifyInstance): Promise<void> {
  await app.queue.obliterate({ force: true });
  await app.close();
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
