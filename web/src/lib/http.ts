// A small JSON client for the Switchboard API, shared by the console's
// pages. Errors carry the API's problem details (code, message, fields).

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

// api sends a request to path (e.g. /api/v1/instances) and decodes the JSON
// answer; a non-2xx answer throws an ApiError.
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const res = await fetch(path, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: 'same-origin',
    signal: opts.signal,
  });
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    // The API answers errors as RFC 9457 problem details (internal/api/problem.go).
    const p = (typeof data === 'object' && data !== null ? data : {}) as {
      code?: string;
      title?: string;
      detail?: string;
      errors?: FieldError[];
    };
    throw new ApiError(
      res.status,
      p.code ?? String(res.status),
      p.detail ?? p.title ?? (typeof data === 'string' ? data : res.statusText),
      p.errors ?? [],
    );
  }
  return data as T;
}
