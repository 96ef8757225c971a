// PostgreSQL through Prisma, one client for the app, disconnected when the app closes.
import { createDb, type Db } from '@slmlab/db';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export const dbPlugin = fp<{ databaseUrl: string }>(async (app, opts) => {
  const db = createDb(opts.databaseUrl);
  app.decorate('db', db);
  app.addHook('onClose', async () => {
    await db.$disconnect();
  });
}, { name: 'db' });
