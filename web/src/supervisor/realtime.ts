// The supervisor view's data: the real-time stream of
// GET /api/v1/instances/{id}/realtime (Server-Sent Events, docs/realtime.md)
// and what the page derives from it. The stream is read with fetch, not
// EventSource, so it can carry an API key (Authorization) as well as the
// session cookie.

export interface RealtimeAgentContact {
  contactId: string;
  channel: string;
  queueId?: string;
  state: string;
  since: string;
}

export interface RealtimeAgent {
  id: string;
  username?: string;
  name?: string;
  status: string;
  system?: string;
  statusSince: string;
  activity: string;
  contacts: RealtimeAgentContact[];
}

export interface RealtimeQueue {
  id: string;
  name: string;
  open: boolean;
  inQueue: number;
  waiting: number;
  oldestEnqueuedAt?: string;
  oldestAgeSeconds: number;
}

export interface RealtimeState {
  instanceId: string;
  time: string;
  agents: RealtimeAgent[];
  queues: RealtimeQueue[];
}

export interface QueueDepthSample {
  time: string;
  inQueue: Record<string, number>;
}

export interface RealtimeHistory {
  intervalSeconds: number;
  samples: QueueDepthSample[];
}

export interface SSEEvent {
  event: string;
  data: string;
}

/**
 * SSEParser splits a text/event-stream into events. Feed it chunks as they
 * come (they may cut lines and events anywhere).
 */
export class SSEParser {
  private buf = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string): SSEEvent[] {
    this.buf += chunk;
    const out: SSEEvent[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + (this.buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
    return out;
  }
}

export interface StreamHandlers {
  onHistory(h: RealtimeHistory): void;
  onSnapshot(s: RealtimeState): void;
  onSample(s: QueueDepthSample): void;
  /** The stream is (re)connected (true) or lost (false, with why). */
  onStatus(connected: boolean, error?: { status: number; message: string }): void;
}

/**
 * streamRealtime reads the instance's stream until signal aborts,
 * reconnecting after a drop (not after 401/403/404: those need the user).
 */
export async function streamRealtime(instanceId: string, credentials: Record<string, string>, signal: AbortSignal, h: StreamHandlers): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...credentials };
      const res = await fetch(`/api/v1/instances/${encodeURIComponent(instanceId)}/realtime`, { headers, signal, credentials: 'same-origin' });
      if (!res.ok || !res.body) {
        let message = res.statusText;
        try {
          const p = (await res.json()) as { detail?: string; title?: string };
          message = p.detail ?? p.title ?? message;
        } catch {
          // not problem details
        }
        h.onStatus(false, { status: res.status, message });
        if ([401, 403, 404].includes(res.status)) return;
      } else {
        h.onStatus(true);
        delay = 1000;
        const parser = new SSEParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const ev of parser.push(value)) {
            const data = JSON.parse(ev.data) as unknown;
            if (ev.event === 'history') h.onHistory(data as RealtimeHistory);
            else if (ev.event === 'snapshot') h.onSnapshot(data as RealtimeState);
            else if (ev.event === 'sample') h.onSample(data as QueueDepthSample);
          }
        }
        h.onStatus(false, { status: 0, message: 'the stream ended; reconnecting' });
      }
    } catch (err) {
      if (signal.aborted) return;
      h.onStatus(false, { status: 0, message: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}

/** The order agent groups are shown in; other (custom) statuses follow, by name. */
const ACTIVITY_ORDER = ['Available', 'Incoming', 'OnContact', 'AfterContactWork', 'Missed', 'Error'];
const OFFLINE = 'Offline';

export const ACTIVITY_LABEL: Record<string, string> = {
  OnContact: 'On contact',
  AfterContactWork: 'After contact work',
  Incoming: 'Incoming',
  Missed: 'Missed',
  Error: 'Error',
};

/** groupAgents groups agents by activity: working states first, custom statuses next, Offline last. */
export function groupAgents(agents: RealtimeAgent[]): { activity: string; agents: RealtimeAgent[] }[] {
  const by = new Map<string, RealtimeAgent[]>();
  for (const a of agents) {
    const g = by.get(a.activity) ?? [];
    g.push(a);
    by.set(a.activity, g);
  }
  const rank = (k: string) => (k === OFFLINE ? 1000 : ACTIVITY_ORDER.includes(k) ? ACTIVITY_ORDER.indexOf(k) : 100);
  return [...by.keys()]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((activity) => ({ activity, agents: by.get(activity)!.sort((x, y) => agentLabel(x).localeCompare(agentLabel(y))) }));
}

export function agentLabel(a: RealtimeAgent): string {
  return a.name || a.username || a.id;
}

/**
 * oldestAgeSeconds is a queue's oldest contact age at the browser's now,
 * on the server's clock: skewMs is the browser's clock minus the server's
 * (measured from a snapshot's time when it arrived).
 */
export function oldestAgeSeconds(q: RealtimeQueue, nowMs: number, skewMs: number): number | null {
  if (!q.oldestEnqueuedAt) return null;
  return Math.max(0, Math.floor((nowMs - skewMs - Date.parse(q.oldestEnqueuedAt)) / 1000));
}

/** formatAge shows seconds as 0:42, 12:05 or 1:02:03. */
export function formatAge(s: number | null): string {
  if (s === null) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** mergeSamples appends new samples (by time), keeping the last hour before the newest. */
export function mergeSamples(have: QueueDepthSample[], more: QueueDepthSample[]): QueueDepthSample[] {
  const last = have.length ? Date.parse(have[have.length - 1].time) : -Infinity;
  const out = [...have, ...more.filter((s) => Date.parse(s.time) > last)];
  if (out.length === 0) return out;
  const cut = Date.parse(out[out.length - 1].time) - 3600_000;
  return out.filter((s) => Date.parse(s.time) >= cut);
}

/** chartRows turns samples into recharts rows: t (ms) and one key per queue ID. */
export function chartRows(samples: QueueDepthSample[], queues: RealtimeQueue[]): Record<string, number>[] {
  return samples.map((s) => {
    const row: Record<string, number> = { t: Date.parse(s.time) };
    for (const q of queues) row[q.id] = s.inQueue[q.id] ?? 0;
    return row;
  });
}
