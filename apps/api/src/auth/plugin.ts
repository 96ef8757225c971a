// Bearer-token authentication (SLMLAB_AUTH=on). One onRequest hook on the root instance decides by method and
// route, so every route is covered, including those other plugins register later, with nothing to set per
// route: probes and /docs are open; GET/HEAD/OPTIONS need the `read` scope (none with SLMLAB_AUTH_OPEN_READS,
// except a download of weights — a checkpoint, an export — unless SLMLAB_AUTH_OPEN_CHECKPOINTS); every other
// method needs `write`; the queue board (board/plugin.ts) needs `write` for everything. Deny by default: anything not listed open, even a path with no route, is checked, so a
// new route cannot be left unprotected by forgetting a setting.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isBoardRoute } from '../board/plugin.ts';
import { hasScope, verifyToken, type TokenScope } from './tokens.ts';
import fp from 'fastify-plugin';

/** The token a request was authenticated with (null when auth is off, or on an open route without one). */
export interface RequestToken {
  id: string;
  name: string;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    apiToken: RequestToken | null;
  }
}

export interface AuthOptions {
  enabled: boolean;
  /** Reads need no token (one that is sent is still checked). */
  openReads: boolean;
  /** Downloading checkpoint data or an export needs no token when reads are open (SLMLAB_AUTH_OPEN_CHECKPOINTS; off by default). */
  openCheckpoints: boolean;
}

/**
 * Downloads of model weights, which open reads do not give away unless asked to: a checkpoint's bytes, and an
 * experiment's export (a bundle holds its checkpoints).
 */
const WEIGHT_DOWNLOADS: ReadonlySet<string> = new Set(['/v1/experiments/:id/checkpoints/:checkpointId', '/v1/experiments/:id/export']);

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const REALM = 'Bearer realm="slmlab"';
const BOARD_REALM = 'Basic realm="slmlab queue board", charset="UTF-8"';

/**
 * Routes that never need a token: probes (load balancers carry none), the API's documentation, and the
 * dashboard's files (a page holds no data; it asks for a token and sends it with each of its API requests).
 */
export function isOpenRoute(url: string | undefined): boolean {
  if (url === undefined) return false;
  return url === '/healthz' || url === '/readyz' || url === '/docs' || url.startsWith('/docs/') || url === '/' || url === '/ui' || url.startsWith('/ui/');
}

export const authPlugin = fp<AuthOptions>(async (app, opts) => {
  app.decorateRequest('apiToken', null);
  if (!opts.enabled) {
    app.log.warn('SLMLAB_AUTH=off: every request is accepted without a token; set SLMLAB_AUTH=on for a shared deployment');
    return;
  }
  app.log.info({ openReads: opts.openReads, openCheckpoints: opts.openCheckpoints }, 'SLMLAB_AUTH=on: requests need a bearer token');
  const tokens = app.services.repos.tokens;

  app.addHook('onRequest', async (request, reply) => {
    if (isOpenRoute(request.routeOptions.url)) return;
    // The queue board acts on Redis directly: write scope for all of it, and never open. A browser cannot send a
    // bearer token, so the board also takes the token as the password of HTTP Basic auth, and asks for it so.
    const board = isBoardRoute(request.routeOptions.url ?? request.url);
    const realm = board ? BOARD_REALM : REALM;
    const needed: TokenScope = board || !READ_METHODS.has(request.method) ? 'write' : 'read';
    const header = request.headers.authorization;
    const open = !board && opts.openReads && (opts.openCheckpoints || !WEIGHT_DOWNLOADS.has(request.routeOptions.url ?? ''));
    if (header === undefined && needed === 'read' && open) return;
    const how = board ? 'Bearer <token>, or Basic with the token as password' : 'Bearer <token>';
    if (header === undefined) return unauthorized(reply, `this request needs Authorization: ${how}`, realm);
    const secret = bearerToken(header) ?? (board ? basicPassword(header) : null);
    if (secret === null) return unauthorized(reply, `the Authorization header must be "${how}"`, realm);
    const result = await verifyToken(tokens, secret);
    if (!result.ok) {
      return unauthorized(reply, result.reason, board ? realm : `${REALM}, error="invalid_token", error_description="${result.reason}"`);
    }
    const { id, name, scopes } = result.token;
    request.apiToken = { id, name, scopes };
    if (!hasScope(scopes, needed)) return forbidden(request, reply, needed);
  });
}, { name: 'auth' });

function bearerToken(header: string): string | null {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] ?? null;
}

/** `Basic base64(user:password)`: the password (any user name). */
function basicPassword(header: string): string | null {
  const encoded = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header)?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 || colon === decoded.length - 1 ? null : decoded.slice(colon + 1);
}

function unauthorized(reply: FastifyReply, message: string, challenge: string) {
  return reply.code(401).header('www-authenticate', challenge).send({ error: { code: 'unauthorized', message } });
}

function forbidden(request: FastifyRequest, reply: FastifyReply, needed: TokenScope) {
  const message = `token ${JSON.stringify(request.apiToken?.name ?? '')} lacks the "${needed}" scope this request needs`;
  return reply
    .code(403)
    .header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${needed}"`)
    .send({ error: { code: 'forbidden', message } });
}
