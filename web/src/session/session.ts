// The console's session, without React (SessionContext.tsx wraps it).
//
// Two ways to be logged in:
//   - a user session: POST /api/v1/auth/session sets the HttpOnly
//     sb_session cookie (sent by the browser) and the readable sb_csrf
//     cookie, which every unsafe request echoes as X-CSRF-Token;
//   - an API key (deployment admins): kept in sessionStorage "sb.apiKey"
//     and sent as Authorization: Bearer.
// GET /api/v1/auth/me says who is calling either way (SessionInfo).
//
// API: loginWithPassword, loginWithKey, fetchMe, logout, and
// sessionFetch/sessionApi, which add the right credentials to a request.

import { api, ApiError, type RequestOptions } from '../lib/http';

export const API_KEY_STORAGE = 'sb.apiKey';
export const CSRF_COOKIE = 'sb_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
}

export interface Instance {
  id: string;
  alias: string;
  description?: string;
  version: number;
}

// SessionInfo is the API's answer of GET /api/v1/auth/me.
export interface SessionInfo {
  kind: 'session' | 'apiKey';
  admin: boolean;
  instance?: Instance;
  user?: SessionUser;
  permissions: string[];
  expiresAt?: string;
}

// readCookie reads a cookie the page may see (not the HttpOnly session).
export function readCookie(name: string, cookies: string = typeof document === 'undefined' ? '' : document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function storage(): Storage | undefined {
  return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
}

export function storedKey(): string | undefined {
  return storage()?.getItem(API_KEY_STORAGE) ?? undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// credentialHeaders are the headers a request of method needs: the bearer
// key of a key session, else the CSRF token on unsafe methods.
export function credentialHeaders(method: string, key = storedKey(), cookies?: string): Record<string, string> {
  if (key) return { Authorization: `Bearer ${key}` };
  if (SAFE.has(method.toUpperCase())) return {};
  const csrf = readCookie(CSRF_COOKIE, cookies);
  return csrf ? { [CSRF_HEADER]: csrf } : {};
}

// sessionApi is lib/http's api() with the session's credentials.
export function sessionApi<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  return api<T>(path, { ...opts, method, headers: { ...credentialHeaders(method), ...opts.headers } });
}

// sessionFetch is fetch() with the session's credentials, for bodies that
// are not JSON (audio uploads, downloads). A non-2xx answer throws an
// ApiError, like sessionApi.
export async function sessionFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(credentialHeaders(method))) headers.set(k, v);
  const res = await fetch(path, { ...init, method, headers, credentials: 'same-origin' });
  if (!res.ok) {
    let p: { code?: string; detail?: string; title?: string; errors?: { field: string; message: string }[] } = {};
    try {
      p = await res.json();
    } catch {
      // not a problem document
    }
    throw new ApiError(res.status, p.code ?? String(res.status), p.detail ?? p.title ?? res.statusText, p.errors ?? []);
  }
  return res;
}

// loginWithPassword opens a user session (instance is an ID or alias).
export async function loginWithPassword(instance: string, username: string, password: string): Promise<SessionInfo> {
  storage()?.removeItem(API_KEY_STORAGE);
  return api<SessionInfo>('/api/v1/auth/session', { body: { instanceId: instance, username, password } });
}

// loginWithKey checks an API key and keeps it for this tab.
export async function loginWithKey(key: string): Promise<SessionInfo> {
  const me = await api<SessionInfo>('/api/v1/auth/me', { token: key.trim() });
  storage()?.setItem(API_KEY_STORAGE, key.trim());
  return me;
}

// fetchMe returns who is logged in, or undefined when nobody is.
export async function fetchMe(): Promise<SessionInfo | undefined> {
  try {
    return await sessionApi<SessionInfo>('/api/v1/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      storage()?.removeItem(API_KEY_STORAGE);
      return undefined;
    }
    throw e;
  }
}

// logout ends the session (or forgets the key).
export async function logout(): Promise<void> {
  const hadKey = storedKey() !== undefined;
  storage()?.removeItem(API_KEY_STORAGE);
  if (!hadKey) await sessionApi('/api/v1/auth/logout', { method: 'POST' });
}

// can reports whether the session grants perm (a deployment admin and API
// keys have every permission).
export function can(s: SessionInfo | undefined, perm: string): boolean {
  return !!s && (s.admin || s.permissions.includes(perm));
}
