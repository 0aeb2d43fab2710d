// The console's session for React pages.
//
//   <RequireSession>…</RequireSession>  loads GET /api/v1/auth/me, sends the
//       browser to /login?next=<here> when nobody is logged in, and provides
//       the session to its children;
//   useSession() → { info, user, instance, permissions, can(perm), api,
//       fetch, logout, refresh }: `api` is lib/http's api() with the
//       credentials added (X-CSRF-Token on unsafe requests of a cookie
//       session, or the deployment admin's Bearer key), `fetch` the same for
//       non-JSON bodies.
// Areas (admin, CCP, designer, supervisor) wrap their routes in
// RequireSession; the LoginPage is at /login.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Center, Loader, Text } from '@mantine/core';
import { useLocation, useNavigate } from 'react-router-dom';
import type { RequestOptions } from '../lib/http';
import { can, fetchMe, logout, sessionApi, sessionFetch, type Instance, type SessionInfo, type SessionUser } from './session';

export interface Session {
  info: SessionInfo;
  user?: SessionUser;
  instance?: Instance;
  permissions: string[];
  can(perm: string): boolean;
  api<T>(path: string, opts?: RequestOptions): Promise<T>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  logout(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

// useSession returns the session; only inside RequireSession (or
// SessionContext.Provider in tests).
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside <RequireSession>');
  return s;
}

export { SessionContext };

// makeSession builds the context value of a SessionInfo.
export function makeSession(info: SessionInfo, onLogout: () => Promise<void> = async () => {}, refresh: () => Promise<void> = async () => {}): Session {
  return {
    info,
    user: info.user,
    instance: info.instance,
    permissions: info.permissions,
    can: (perm) => can(info, perm),
    api: sessionApi,
    fetch: sessionFetch,
    logout: onLogout,
    refresh,
  };
}

export function RequireSession({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<SessionInfo | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const navigate = useNavigate();
  const loc = useLocation();

  const load = useCallback(async () => {
    try {
      setInfo((await fetchMe()) ?? null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (info === null) navigate(`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`, { replace: true });
  }, [info, navigate, loc.pathname, loc.search]);

  const session = useMemo(
    () =>
      info
        ? makeSession(
            info,
            async () => {
              await logout().catch(() => undefined);
              navigate('/login', { replace: true });
            },
            load,
          )
        : null,
    [info, load, navigate],
  );

  if (error) {
    return (
      <Center h="100vh">
        <Text c="red">Could not reach the server: {error}</Text>
      </Center>
    );
  }
  if (!session) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading the session" />
      </Center>
    );
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
