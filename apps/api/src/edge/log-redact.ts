// What the API writes about a request in its log, without the credentials a client may have put in its URL:
// a token sent as ?token=… is refused (tokens go in the Authorization header), but the URL it came in must not
// leak it into log files. Values of credential-like parameters and anything shaped like an slmlab token are
// replaced by [redacted].
import type { FastifyRequest } from 'fastify';

const SECRET_PARAMS = /^(token|access_token|api[_-]?key|apikey|key|auth|authorization|bearer|password|secret)$/i;
const TOKEN_SHAPED = /slm_[A-Za-z0-9_-]{20,}/g;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const params = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeSafely(eq < 0 ? pair : pair.slice(0, eq));
      return eq >= 0 && SECRET_PARAMS.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return (q < 0 ? path : `${path}?${params}`).replace(TOKEN_SHAPED, '[redacted]');
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** pino serializer for `req`: Fastify's default fields, with the URL redacted. */
export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
