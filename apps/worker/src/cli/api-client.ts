// A small HTTP client for the slmlab API, for the client commands (no tfjs). The API's error shape
// ({error: {code, message, issues}}) becomes an Error whose message says all of it.
export interface ApiClient {
  readonly base: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function apiClient(base: string, token?: string): ApiClient {
  const root = base.replace(/\/+$/, '');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`cannot reach the slmlab API at ${root} (${(err as Error).cause ?? (err as Error).message}); set --api or SLMLAB_API_URL`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw toApiError(method, path, res.status, json);
    return { status: res.status, body: json as T };
  };
  return {
    base: root,
    get: async (path) => (await call<never>('GET', path)).body,
    post: (path, body) => call('POST', path, body),
  };
}

function toApiError(method: string, path: string, status: number, json: unknown): ApiError {
  const e = (json as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } } | undefined)?.error;
  const issues = e?.issues?.map((i) => `\n  ${i.path || '/'}: ${i.message}`).join('') ?? '';
  return new ApiError(status, e?.code ?? 'http_error', `${method} ${path}: ${status} ${e?.code ?? ''} ${e?.message ?? ''}${issues}`.trim());
}
