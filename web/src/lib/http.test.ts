import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from './http';

function respond(status: number, body: unknown) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })),
  );
}

describe('api', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('decodes a JSON answer and sends the bearer token', async () => {
    respond(200, { items: [1, 2] });
    await expect(api<{ items: number[] }>('/api/v1/x', { token: 't0' })).resolves.toEqual({ items: [1, 2] });
    const call = (fetch as unknown as ReturnType<typeof vi.fn>).mock.calls[0];
    expect(call[1].headers.Authorization).toBe('Bearer t0');
    expect(call[1].method).toBe('GET');
  });

  it('turns a problem answer into an ApiError with its fields', async () => {
    respond(400, {
      type: 'about:blank', title: 'Bad Request', status: 400, code: 'invalid', detail: 'name: is required',
      errors: [{ field: 'name', message: 'is required' }],
    });
    const err = (await api('/api/v1/x', { body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid');
    expect(err.message).toBe('name: is required');
    expect(err.fields).toEqual([{ field: 'name', message: 'is required' }]);
  });
});
