// PostgreSQL through Prisma, one client for the app, disconnected when the app closes.
import type { FastifyPluginAsync } from 'fastify';
import { createDb, type Db } from '@slmlab/db';
import { shared } from './shared.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export const dbPlugin: FastifyPluginAsync<{ databaseUrl: string }> = shared('db', async (app, opts) => {
  const db = createDb(opts.databaseUrl);
  app.decorate('db', db);
  app.addHook('onClose', async () => {
    await db.$disconnect();
  });
});
