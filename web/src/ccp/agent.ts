// The page's one AgentClient and Softphone, and React hooks over their
// immutable state (useSyncExternalStore).
import { useEffect, useState, useSyncExternalStore } from 'react';
import { AgentClient, Softphone, type ClientState, type SoftphoneState } from '../agent-client';

export interface Agent {
  client: AgentClient;
  phone: Softphone;
}

let agent: Agent | null = null;

/** getAgent makes the page's client and softphone on first use (not at import, for tests). */
export function getAgent(): Agent {
  if (!agent) {
    // The CCP is on the server's origin: it logs in with the console's session
    // cookie, so no token is ever visible to page scripts.
    const client = new AgentClient({ cookieSession: true });
    const phone = new Softphone(client, { audioElement: null });
    agent = { client, phone };
  }
  return agent;
}

export function useClientState(client: AgentClient): ClientState {
  return useSyncExternalStore(client.subscribe, () => client.getState());
}

export function useSoftphoneState(phone: Softphone): SoftphoneState {
  return useSyncExternalStore(phone.subscribe, () => phone.getState());
}

/** useNow re-renders every intervalMs with the current time (for countdowns and timers). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
