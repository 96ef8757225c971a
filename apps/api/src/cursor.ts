// Keyset pagination cursors: the (createdAt, id) of a page's last row, as opaque base64url JSON. Clients must
// not build them; the format may change.
import { InvalidRequestError } from './http-errors.ts';

export interface CursorKey {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify({ createdAt: key.createdAt.toISOString(), id: key.id })).toString('base64url');
}

/** Throws InvalidRequestError at path /cursor for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): CursorKey {
  const key = tryDecode(cursor);
  if (!key) throw new InvalidRequestError('querystring', [{ path: '/cursor', message: 'not a cursor returned by this API' }]);
  return key;
}

function tryDecode(cursor: string): CursorKey | undefined {
  try {
    const raw: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof raw !== 'object' || raw === null) return undefined;
    const { createdAt, id } = raw as Record<string, unknown>;
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !UUID.test(id)) return undefined;
    const date = new Date(createdAt);
    return Number.isNaN(date.getTime()) ? undefined : { createdAt: date, id };
  } catch {
    return undefined;
  }
}
