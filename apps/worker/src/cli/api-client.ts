// A small HTTP client for the slmlab API, for the client commands (no tfjs). The API's error shape
// ({error: {code, message, issues}}) becomes an Error whose message says all of it.
export interface ApiClient {
  readonly base: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  /** A binary answer (an export): its bytes and the file name its content-disposition suggests. */
  download(path: string): Promise<{ bytes: Buffer; filename?: string }>;
  /** POSTs bytes as application/octet-stream (an import); the answer is JSON. */
  upload<T>(path: string, bytes: Uint8Array): Promise<{ status: number; body: T }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The API's error object as it came (experimentId, status, issues…). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function apiClient(base: string, token?: string): ApiClient {
  const root = base.replace(/\/+$/, '');
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const send = async (method: string, path: string, body?: { type: string; data: string | Uint8Array }): Promise<Response> => {
    try {
      return await fetch(`${root}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, 'content-type': body.type },
        body: body?.data,
      });
    } catch (err) {
      throw new Error(`cannot reach the slmlab API at ${root} (${(err as Error).cause ?? (err as Error).message}); set --api or SLMLAB_API_URL`);
    }
  };
  const json = async <T>(method: string, path: string, res: Response): Promise<{ status: number; body: T }> => {
    const text = await res.text();
    const parsed = text ? parseJson(text) : undefined;
    if (!res.ok) throw toApiError(method, path, res.status, parsed);
    return { status: res.status, body: parsed as T };
  };
  const failure = async (method: string, path: string, res: Response) => {
    const text = await res.text();
    return toApiError(method, path, res.status, text ? parseJson(text) : undefined);
  };
  const call = async <T>(method: string, path: string, body?: unknown) =>
    json<T>(method, path, await send(method, path, body === undefined ? undefined : { type: 'application/json', data: JSON.stringify(body) }));
  return {
    base: root,
    get: async (path) => (await call<never>('GET', path)).body,
    post: (path, body) => call('POST', path, body),
    async download(path) {
      const res = await send('GET', path);
      if (!res.ok) throw await failure('GET', path, res);
      const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      return { bytes: Buffer.from(await res.arrayBuffer()), filename };
    },
    upload: async (path, bytes) => json('POST', path, await send('POST', path, { type: 'application/octet-stream', data: bytes })),
  };
}

/** JSON, or the text itself when a proxy in between answered with something else. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toApiError(method: string, path: string, status: number, json: unknown): ApiError {
  const e = (json as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } } | undefined)?.error;
  const issues = e?.issues?.map((i) => `\n  ${i.path || '/'}: ${i.message}`).join('') ?? '';
  return new ApiError(status, e?.code ?? 'http_error', `${method} ${path}: ${status} ${e?.code ?? ''} ${e?.message ?? ''}${issues}`.trim(), e ?? {});
}
