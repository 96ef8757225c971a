// Bull Board (@bull-board/fastify): BullMQ's own view of the experiment queue — jobs by state, their data, logs
// and errors, retry and clean — mounted at BOARD_PATH. It acts on Redis directly, so with auth on it needs the
// write scope for every request, reads included (auth/plugin.ts); PostgreSQL stays the record of each experiment
// (a job removed here is put back by the reconciler while its experiment is queued; docs/operations.md).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import fp from 'fastify-plugin';

export const BOARD_PATH = '/admin/queues';

/** The board's pages, assets and API (a route pattern or a raw URL). */
export function isBoardRoute(url: string | undefined): boolean {
  return url !== undefined && (url === BOARD_PATH || url.startsWith(`${BOARD_PATH}/`) || url.startsWith(`${BOARD_PATH}?`));
}

export const boardPlugin = fp(async (app) => {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(app.queue, { description: 'training jobs: one per queued or running experiment' })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'slmlab queue' } },
  });
  // In a context of its own whose routes are hidden: the board is not part of the API's OpenAPI document.
  await app.register(async (board) => {
    board.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
}, { name: 'board', dependencies: ['auth'] });
