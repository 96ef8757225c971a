// The one UUID rule: the same check as the schemas' `format: 'uuid'` (TypeBox's), for ids found outside a schema
// (inside cursors, ?where= filters, comma-separated lists).
import { IsUuid } from 'typebox/format';

export function isUuid(value: string): boolean {
  return IsUuid(value);
}
