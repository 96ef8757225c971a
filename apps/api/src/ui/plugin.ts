// The dashboard (apps/web, built into apps/web/dist by `npm ci` or `npm run build:web`) served on the API's
// origin: its files under /ui/, every other /ui/… path answered with index.html (the page routes itself), and /
// sent to /ui/. Files are looked up per request, so a rebuilt dashboard is served without a restart; hashed
// assets are cached for good, index.html never.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));
const HIDDEN = { schema: { hide: true } };

export const uiPlugin: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  const root = path.resolve(dir || DEFAULT_UI_DIR);
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) app.log.warn({ dir: root }, 'the dashboard is not built: /ui answers 503 until it is (npm run build:web)');
  // Only reply.sendFile (with its path checks: nothing outside root is ever sent); the routes are ours.
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false });

  const serve = (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    if (!existsSync(index)) {
      return reply.code(503).send({ error: { code: 'ui_not_built', message: `the dashboard is not built (no ${index}): run \`npm run build:web\`` } });
    }
    const file = request.params['*'] ?? '';
    if (file && isFileUnder(root, file)) {
      const immutable = file.startsWith('assets/');
      return reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').sendFile(file);
    }
    // A missing asset is a 404, not the page: a stale tab asking for an old bundle must not get HTML as script.
    if (file.startsWith('assets/')) return reply.code(404).send({ error: { code: 'not_found', message: `no file /ui/${file}` } });
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/', HIDDEN, (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', HIDDEN, (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/', HIDDEN, serve);
  app.get('/ui/*', HIDDEN, serve);
};

function isFileUnder(root: string, relative: string): boolean {
  const full = path.resolve(root, relative);
  if (!full.startsWith(root + path.sep)) return false;
  try {
    return statSync(full).isFile();
  } catch {
    return false;
  }
}
