import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/http';
import { API_KEY_STORAGE, can, credentialHeaders, fetchMe, loginWithKey, logout, readCookie, sessionApi, sessionFetch } from './session';

// A sessionStorage and a document.cookie for the node environment.
class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
  clear() { this.m.clear(); }
}

let calls: { url: string; init: RequestInit }[] = [];
function answer(status: number, body: unknown) {
  calls = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  }));
}
const headersOf = (i: number) => new Headers(calls[i].init.headers as HeadersInit);

describe('session credentials', () => {
  beforeEach(() => {
    vi.stubGlobal('sessionStorage', new MemoryStorage());
    vi.stubGlobal('document', { cookie: 'other=1; sb_csrf=tok%2Fen; x=y' });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('reads the CSRF cookie among others', () => {
    expect(readCookie('sb_csrf')).toBe('tok/en');
    expect(readCookie('sb_session', 'sb_csrf=a')).toBeUndefined();
  });

  it('adds X-CSRF-Token on unsafe methods only, with a cookie session', () => {
    expect(credentialHeaders('GET')).toEqual({});
    expect(credentialHeaders('POST')).toEqual({ 'X-CSRF-Token': 'tok/en' });
    expect(credentialHeaders('delete')).toEqual({ 'X-CSRF-Token': 'tok/en' });
    expect(credentialHeaders('PUT', undefined, '')).toEqual({});
  });

  it('sends a key session as Bearer and never the CSRF token', () => {
    sessionStorage.setItem(API_KEY_STORAGE, 'sbk_admin');
    expect(credentialHeaders('POST')).toEqual({ Authorization: 'Bearer sbk_admin' });
    expect(credentialHeaders('GET')).toEqual({ Authorization: 'Bearer sbk_admin' });
  });

  it('sessionApi puts the CSRF header on a POST and sends cookies', async () => {
    answer(201, { id: 'q1' });
    await expect(sessionApi('/api/v1/instances/i/queues', { body: { name: 'Sales' } })).resolves.toEqual({ id: 'q1' });
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok/en');
    answer(200, { items: [] });
    await sessionApi('/api/v1/instances/i/queues');
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('sessionFetch sends raw bodies with credentials and throws the problem', async () => {
    answer(400, { code: 'bad_audio', detail: 'not a WAV', errors: [{ field: 'body', message: 'not a WAV' }] });
    const err = await sessionFetch('/a', { method: 'PUT', body: 'x', headers: { 'Content-Type': 'audio/wav' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).fields[0].field).toBe('body');
    expect(headersOf(0).get('X-CSRF-Token')).toBe('tok/en');
    expect(headersOf(0).get('Content-Type')).toBe('audio/wav');
  });

  it('a key login keeps the key only when the API accepts it', async () => {
    answer(401, { code: 'unauthenticated', detail: 'the API key is not valid' });
    await expect(loginWithKey('bad')).rejects.toBeInstanceOf(ApiError);
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBeNull();
    answer(200, { kind: 'apiKey', admin: true, permissions: [] });
    await loginWithKey(' good ');
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBe('good');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer good');
  });

  it('fetchMe answers undefined when logged out, and logout posts with CSRF', async () => {
    answer(401, { code: 'unauthenticated', detail: 'no' });
    await expect(fetchMe()).resolves.toBeUndefined();
    answer(200, { loggedOut: true });
    await logout();
    expect(calls[0].url).toBe('/api/v1/auth/logout');
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok/en');
  });

  it('can checks permissions; a deployment admin has them all', () => {
    expect(can({ kind: 'session', admin: false, permissions: ['routing.read'] }, 'routing.read')).toBe(true);
    expect(can({ kind: 'session', admin: false, permissions: ['routing.read'] }, 'routing.edit')).toBe(false);
    expect(can({ kind: 'apiKey', admin: true, permissions: [] }, 'users.edit')).toBe(true);
    expect(can(undefined, 'users.read')).toBe(false);
  });
});

describe('landing', () => {
  it('sends each kind of user to their area', async () => {
    const { landing } = await import('./LoginPage');
    const info = (permissions: string[], admin = false) => ({ kind: 'session' as const, admin, permissions });
    expect(landing(info(['agent.ccp', 'routing.edit']))).toBe('/admin');
    expect(landing(info(['agent.ccp', 'metrics.realtime', 'routing.read']))).toBe('/supervisor');
    expect(landing(info(['users.read']))).toBe('/admin');
    expect(landing(info(['agent.ccp', 'agent.outbound']))).toBe('/ccp');
    expect(landing(info([], true))).toBe('/admin');
  });
});
