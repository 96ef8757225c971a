// Numbers as a researcher reads them: NLL to 4 places, FLOPs and counts with SI prefixes, durations in h/m/s.

export const dash = '—';

export function nll(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined ? dash : v.toFixed(digits);
}

const SI = [
  [1e18, 'E'],
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** 1.23e12 → "1.23 T"; below 1000 as is. */
export function si(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return dash;
  for (const [scale, prefix] of SI) if (Math.abs(v) >= scale) return `${(v / scale).toPrecision(3)} ${prefix}${unit}`;
  return `${Number(v.toPrecision(3))}${unit ? ` ${unit}` : ''}`;
}

export const flops = (v: number | null | undefined) => si(v, 'FLOP');
export const count = (v: number | null | undefined) => si(v);

export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined) return dash;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return dash;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function date(iso: string | null | undefined): string {
  if (!iso) return dash;
  const d = new Date(iso);
  const thisYear = d.getFullYear() === new Date().getFullYear(); // the year only when it is not this one
  return d.toLocaleString(undefined, { ...(thisYear ? {} : { year: 'numeric' }), month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export const shortId = (id: string) => id.slice(0, 8);

export function value(v: unknown): string {
  if (v === null || v === undefined) return dash;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
