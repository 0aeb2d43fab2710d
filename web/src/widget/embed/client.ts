// The participant API client of the chat widget: start a chat, connect,
// send, type, leave (docs/chat.md; the shapes are Amazon Connect's
// Participant Service). No dependencies: it runs inside a customer's page.

import { parseFrame, type Item } from './model';

/** What StartChatContact returns. */
export interface ChatDetails {
  ContactId: string;
  ParticipantId: string;
  ParticipantToken: string;
}

export interface StartOptions {
  /** Base URL of the Switchboard server (participant API and REST API). */
  endpoint: string;
  instanceId: string;
  flowId: string;
  displayName: string;
  /** Sends Authorization: Bearer <apiKey> (for trying the widget from the console; never put an API key in a public page). */
  apiKey?: string;
  /** More headers for the start request (the console passes its credentials: a CSRF token or a key). */
  headers?: Record<string, string>;
  /** A URL on the website's own server that starts the chat (it holds the API key) and answers ChatDetails. */
  startUrl?: string;
}

export class ParticipantError extends Error {
  constructor(
    /** The HTTP status; 0 when there was no answer (code "network") or it made no sense. */
    readonly status: number,
    message: string,
    /** The problem's code (internal/api/problem.go), e.g. "not_found"; "network" when the request failed. */
    readonly code = '',
    /** Seconds to wait, from a 429's Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ParticipantError';
  }
}

/** retryAfterSeconds reads a Retry-After header: seconds, or an HTTP date. */
export function retryAfterSeconds(h: string | null, now = Date.now()): number | undefined {
  if (!h) return undefined;
  const n = Number(h);
  if (h.trim() !== '' && Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

async function request<T>(url: string, body: unknown, headers: Record<string, string>, credentials: RequestCredentials = 'omit'): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials,
    });
  } catch (err) {
    // No answer: offline, DNS, or a CORS refusal (which the browser hides).
    throw new ParticipantError(0, (err as Error).message || 'network error', 'network');
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    // Problem details (RFC 9457): {"type","title","status","detail","code",...}; the participant API says {"message"}.
    const d = (typeof data === 'object' && data !== null ? data : {}) as { message?: string; detail?: string; title?: string; code?: string };
    throw new ParticipantError(res.status, d.detail ?? d.message ?? d.title ?? `HTTP ${res.status}`, d.code ?? '',
      res.status === 429 ? retryAfterSeconds(res.headers.get('Retry-After')) : undefined);
  }
  return data as T;
}

function clientToken(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** startChat starts the contact: through the website's startUrl, or POST .../contacts/chat. */
export function startChat(o: StartOptions): Promise<ChatDetails> {
  const body = { ContactFlowId: o.flowId, ParticipantDetails: { DisplayName: o.displayName } };
  if (o.startUrl) {
    return request<ChatDetails>(o.startUrl, { InstanceId: o.instanceId, ...body }, {}, 'include');
  }
  const headers: Record<string, string> = { ...o.headers };
  if (o.apiKey) headers.Authorization = `Bearer ${o.apiKey}`;
  // same-origin: a console session cookie counts when the page is the console's.
  return request<ChatDetails>(`${o.endpoint}/api/v1/instances/${encodeURIComponent(o.instanceId)}/contacts/chat`, body, headers, 'same-origin');
}

/** What GET /api/v1/widgets/{id} answers: a configured widget's public settings. */
export interface WidgetConfig {
  WidgetId: string;
  Title?: string;
  Color?: string;
  DisplayName?: string;
  RequireToken?: boolean;
}

const widgetURL = (endpoint: string, widgetId: string) => `${endpoint}/api/v1/widgets/${encodeURIComponent(widgetId)}`;

/**
 * getWidgetConfig reads a configured widget's settings. Like the start
 * request it is public, checked against the widget's allowed origins, and
 * sent without cookies.
 */
export function getWidgetConfig(endpoint: string, widgetId: string): Promise<WidgetConfig> {
  return request<WidgetConfig>(widgetURL(endpoint, widgetId), undefined, {});
}

/** startWidgetChat starts a chat through a configured widget (no API key: the server checks the page's origin, and the token when the widget requires one). */
export function startWidgetChat(endpoint: string, widgetId: string, displayName: string, token?: string): Promise<ChatDetails> {
  const body: { ParticipantDetails: { DisplayName: string }; Token?: string } = { ParticipantDetails: { DisplayName: displayName } };
  if (token) body.Token = token;
  return request<ChatDetails>(`${widgetURL(endpoint, widgetId)}/chat`, body, {});
}

export interface ConnectionHandlers {
  onItem(item: Item): void;
  /** The socket closed and will not be reopened (the chat ended, or it failed). */
  onClosed(reason: string): void;
}

/**
 * ParticipantConnection is one customer's connection: the connection
 * token for HTTP calls and the WebSocket for what the others post. A socket
 * that drops while the chat goes on is reopened with a fresh URL, and the
 * transcript is re-read (what came while it was away).
 */
export class ParticipantConnection {
  private connectionToken = '';
  private ws: WebSocket | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private retries = 0;
  private lastTyping = 0;

  constructor(
    private readonly endpoint: string,
    private readonly details: ChatDetails,
    private readonly h: ConnectionHandlers,
  ) {}

  /** open creates the participant connection and the WebSocket, then reads the transcript. */
  async open(): Promise<void> {
    const url = await this.createConnection();
    await this.dial(url);
    await this.loadTranscript();
  }

  private async createConnection(): Promise<string> {
    const out = await request<{ Websocket?: { Url?: string }; ConnectionCredentials?: { ConnectionToken?: string } }>(
      `${this.endpoint}/participant/connection`,
      { Type: ['WEBSOCKET', 'CONNECTION_CREDENTIALS'], ConnectParticipant: true },
      { 'X-Amz-Bearer': this.details.ParticipantToken },
    );
    this.connectionToken = out.ConnectionCredentials?.ConnectionToken ?? '';
    const url = out.Websocket?.Url ?? '';
    if (!this.connectionToken || !url) throw new ParticipantError(0, 'the server returned no connection');
    return url;
  }

  private dial(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      let subscribed = false;
      ws.onopen = () => {
        ws.send(JSON.stringify({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } }));
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ topic: 'aws/heartbeat' }));
        }, 10_000);
      };
      ws.onmessage = (ev) => {
        const f = parseFrame(typeof ev.data === 'string' ? ev.data : '');
        if (f.kind === 'subscribed') {
          if (!subscribed) {
            subscribed = true;
            this.retries = 0;
            if (f.ok) resolve();
            else reject(new ParticipantError(0, 'could not subscribe to the chat'));
          }
        } else if (f.kind === 'item') {
          this.h.onItem(f.item);
        }
      };
      ws.onclose = (ev) => {
        clearInterval(this.heartbeat);
        if (!subscribed) {
          reject(new ParticipantError(0, `the chat connection closed (${ev.code})`));
          return;
        }
        if (this.closed || ev.code === 1000) {
          this.closed = true;
          this.h.onClosed(ev.code === 1000 ? 'ended' : 'closed');
          return;
        }
        void this.reconnect();
      };
    });
  }

  private async reconnect(): Promise<void> {
    if (this.retries >= 5) {
      this.closed = true;
      this.h.onClosed('lost the connection to the chat');
      return;
    }
    this.retries++;
    await new Promise((r) => setTimeout(r, 500 * 2 ** this.retries));
    if (this.closed) return;
    try {
      await this.dial(await this.createConnection());
      await this.loadTranscript();
    } catch {
      void this.reconnect();
    }
  }

  /** loadTranscript passes the last 100 items to onItem (oldest first); the model drops what it already has. */
  async loadTranscript(): Promise<void> {
    const out = await request<{ Transcript?: Item[] }>(
      `${this.endpoint}/participant/transcript`,
      { ContactId: this.details.ContactId, MaxResults: 100, ScanDirection: 'BACKWARD', SortOrder: 'ASCENDING' },
      { 'X-Amz-Bearer': this.connectionToken },
    );
    for (const it of out.Transcript ?? []) this.h.onItem(it);
  }

  async sendMessage(text: string): Promise<void> {
    await request(`${this.endpoint}/participant/message`, { ContentType: 'text/plain', Content: text, ClientToken: clientToken() }, {
      'X-Amz-Bearer': this.connectionToken,
    });
  }

  /** typing tells the others the customer is typing, at most every 5 s (the server limits posts to 10/s). */
  async typing(): Promise<void> {
    const now = Date.now();
    if (now - this.lastTyping < 5_000) return;
    this.lastTyping = now;
    await request(`${this.endpoint}/participant/event`, { ContentType: 'application/vnd.amazonaws.connect.event.typing', ClientToken: clientToken() }, {
      'X-Amz-Bearer': this.connectionToken,
    });
  }

  /** disconnect leaves the chat (it ends: the customer is its owner). */
  async disconnect(): Promise<void> {
    if (!this.connectionToken) return;
    try {
      await request(`${this.endpoint}/participant/disconnect`, { ClientToken: clientToken() }, { 'X-Amz-Bearer': this.connectionToken });
    } finally {
      this.close();
    }
  }

  /** close drops the socket without leaving the chat. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.ws?.close(1000);
  }
}
