// Keyset-pagination cursors, one format for every list: the sort, its direction, and the sort value and id of a
// page's last row, as opaque base64url JSON. A cursor only continues the listing it came from (same sort and
// order). Clients must not build them; whatever did not come from encodeCursor — forged, or holding a date
// PostgreSQL cannot store — is an InvalidRequestError at /cursor, never a query.
import { InvalidRequestError } from './http-errors.ts';
import { isUuid } from './ids.ts';

export interface SortSpec {
  /** A column name, e.g. createdAt or testNll. */
  sort: string;
  order: 'asc' | 'desc';
}

export type CursorValue = number | Date | null;

export interface CursorKey {
  value: CursorValue;
  id: string;
}

/** What the sorted column holds, which is what its cursor's value must be. */
export type CursorValueType = 'number' | 'date';

export function encodeCursor(s: SortSpec, value: CursorValue, id: string): string {
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify({ s: s.sort, o: s.order, v, id })).toString('base64url');
}

/** The key after which `want`'s next page starts. Cursors of the first format ({createdAt, id}) still continue newest-first lists. */
export function decodeCursor(cursor: string, want: SortSpec, type: CursorValueType): CursorKey {
  const raw = parse(cursor);
  if (raw && !('s' in raw)) return checkSort({ s: 'createdAt', o: 'desc' }, want, keyOf(raw.createdAt, raw.id, 'date'));
  if (!raw || (raw.o !== 'asc' && raw.o !== 'desc')) throw invalid('not a cursor returned by this API');
  return checkSort({ s: raw.s, o: raw.o }, want, keyOf(raw.v, raw.id, type));
}

function checkSort(made: { s: unknown; o: unknown }, want: SortSpec, key: CursorKey | undefined): CursorKey {
  if (!key) throw invalid('not a cursor returned by this API');
  if (made.s !== want.sort || made.o !== want.order) {
    throw invalid(`this cursor continues sort=${String(made.s)}&order=${String(made.o)}; pass the same sort and order`);
  }
  return key;
}

function keyOf(v: unknown, id: unknown, type: CursorValueType): CursorKey | undefined {
  if (typeof id !== 'string' || !isUuid(id)) return undefined;
  if (v === null) return { value: null, id };
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v) ? { value: v, id } : undefined;
  const date = typeof v === 'string' ? storableDate(v) : undefined;
  return date && { value: date, id };
}

/** A date as encodeCursor wrote it (ISO, to the millisecond) in years PostgreSQL and JavaScript agree on. */
function storableDate(v: string): Date | undefined {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || d.toISOString() !== v) return undefined;
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999 ? d : undefined;
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
