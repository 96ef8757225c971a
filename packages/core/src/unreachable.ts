// Recognising "a backing service is unreachable" errors: the API answers them with 503, the worker retries
// its writes on them. Anything else is a real failure.

/** Prisma's "cannot reach / lost the server / pool timeout" codes. */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
/** ioredis/BullMQ and node-postgres (a connection dropped by the server or the network) say it in words only. */
const SAID_IN_WORDS = /Connection is closed|enableOfflineQueue|Stream isn't writeable|Connection terminated|server closed the connection unexpectedly/;

/**
 * Prisma's driver adapter (adapter-pg) names the failure in `meta.driverAdapterError.cause.kind`; raw queries
 * ($queryRaw: search, the frontier) come back as P2010 with only that to tell "unreachable" from a bad query.
 */
const ADAPTER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** Whether `err`, or an error that caused it, says that PostgreSQL or Redis could not be reached. */
export function isUnreachableError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const { code, errorCode, message, cause, meta } = err as Record<string, unknown>;
  for (const c of [code, errorCode]) {
    if (typeof c === 'string' && (PRISMA_UNREACHABLE.has(c) || NETWORK_CODES.has(c))) return true;
  }
  if (typeof message === 'string' && SAID_IN_WORDS.test(message)) return true;
  const adapterKind = (meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined)?.driverAdapterError?.cause?.kind;
  if (typeof adapterKind === 'string' && ADAPTER_UNREACHABLE.has(adapterKind)) return true;
  return isUnreachableError(cause, depth + 1);
}
