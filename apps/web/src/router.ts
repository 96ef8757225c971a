// Routing by the History API under /ui: the path picks the page, the query string holds the page's state
// (filters, sort, columns, axes) so that any view can be shared as a link.
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/ui';

export interface Location {
  /** Path below /ui, starting with "/". */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(window.location.search) };
}

export function href(path: string, query?: Record<string, string | undefined | null> | URLSearchParams): string {
  const q = query instanceof URLSearchParams ? query : new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => !!e[1]));
  const qs = q.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(to: string, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('slmlab:navigate'));
}

/** Replaces some query parameters of the current page (empty values are removed). */
export function setQuery(changes: Record<string, string | undefined | null>, opts: { replace?: boolean } = {}) {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '') q.delete(k);
    else q.set(k, v);
  }
  const qs = q.toString();
  navigate(`${window.location.pathname}${qs ? `?${qs}` : ''}`, opts);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener('slmlab:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('slmlab:navigate', update);
    };
  }, []);
  return loc;
}

/** In-app links: plain <a href> (so middle-click and copy work), navigated without a reload. */
export function onLinkClick(e: MouseEvent) {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE) || a.target || a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
