// Cursors of sorted lists: the sort, its direction, and the sort value and id of a page's last row, as opaque
// base64url JSON. A cursor only continues the listing it came from (same sort and order). Cursors of the older
// format ({createdAt, id}, cursor.ts) still continue the default listing, newest first.
import { SEARCH_COLUMNS, type SearchAfter, type SortColumn } from '@slmlab/db';
import { decodeCursor } from './cursor.ts';
import { InvalidRequestError } from './http-errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SortSpec {
  sort: SortColumn;
  order: 'asc' | 'desc';
}

export function encodeSearchCursor(s: SortSpec, value: number | Date | null, id: string): string {
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify({ s: s.sort, o: s.order, v, id })).toString('base64url');
}

/** Throws InvalidRequestError at /cursor for a cursor this API did not make, or one made for another sort. */
export function decodeSearchCursor(cursor: string, want: SortSpec): SearchAfter {
  const raw = parse(cursor);
  if (raw && !('s' in raw)) {
    const old = decodeCursor(cursor);
    return check({ s: 'createdAt', o: 'desc' }, want, { value: old.createdAt, id: old.id });
  }
  const after = raw ? fromRaw(raw) : undefined;
  if (!after || !raw) throw invalid('not a cursor returned by this API');
  return check({ s: raw.s, o: raw.o }, want, after);
}

function check(made: { s: unknown; o: unknown }, want: SortSpec, after: SearchAfter): SearchAfter {
  if (made.s !== want.sort || made.o !== want.order) {
    throw invalid(`this cursor continues sort=${String(made.s)}&order=${String(made.o)}; pass the same sort and order`);
  }
  return after;
}

function fromRaw(raw: Record<string, unknown>): SearchAfter | undefined {
  const { s, v, id, o } = raw;
  if (typeof s !== 'string' || !Object.hasOwn(SEARCH_COLUMNS, s) || (o !== 'asc' && o !== 'desc')) return undefined;
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  if (v === null) return { value: null, id };
  const type = SEARCH_COLUMNS[s as SortColumn].type;
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v) ? { value: v, id } : undefined;
  if (type !== 'date' || typeof v !== 'string') return undefined;
  const date = new Date(v);
  return Number.isNaN(date.getTime()) ? undefined : { value: date, id };
}

function parse(cursor: string): Record<string, unknown> | undefined {
  try {
    const raw: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function invalid(message: string) {
  return new InvalidRequestError('querystring', [{ path: '/cursor', message }]);
}
