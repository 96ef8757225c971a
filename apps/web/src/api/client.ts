// The API, from the browser: same origin, JSON in and out, the bearer token (when auth is on) kept for the tab
// in sessionStorage. A 401 asks the page for a token (auth.ts) and the request can be made again.
export interface Issue {
  path: string;
  message: string;
}

/** An answer that was not 2xx, with the API's error body (docs/api.md, "Errors") when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'slmlab.token';
export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export function setToken(token: string | null) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('slmlab:token'));
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await call<T>(method, path, body)).data;
}

/** As request, with the status too (200 "already there" and 201 "created" say different things). */
export async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) window.dispatchEvent(new Event('slmlab:auth-required'));
  const text = await res.text();
  const json = text ? safeJson(text) : undefined;
  if (!res.ok) throw errorOf(res.status, json, text);
  return { status: res.status, data: json as T };
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query));
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(status: number, json: unknown, text: string): ApiError {
  const e = (json as { error?: { code?: string; message?: string; issues?: Issue[] } } | undefined)?.error;
  if (e) return new ApiError(status, e.code ?? 'error', e.message ?? `HTTP ${status}`, e.issues ?? [], json);
  return new ApiError(status, 'http_error', `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
