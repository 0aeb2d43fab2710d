// AgentClient: the agent WebSocket protocol (docs/agent-api.md) behind a
// typed, promise-based API with one source of truth for the agent's state.
// No framework: integrators use it in their own desktops; the console's CCP
// is one user of it.

import { Emitter } from './emitter';
import { AgentApiError } from './errors';
import {
  EVENT_TYPES,
  PROTOCOL_VERSION,
  type Ack,
  type AgentInfo,
  type Channel,
  type ChatMessage,
  type ConsultTarget,
  type ErrorFrame,
  type IceCandidateInit,
  type LoginResponse,
  type ProfileInfo,
  type QuickConnectInfo,
  type ReplyOf,
  type RequestFields,
  type RequestType,
  type ServerEvent,
  type ServerEventType,
  type StatusInfo,
  type SystemState,
  type TransferTarget,
  type Welcome,
} from './protocol';

// ---------------------------------------------------------------- injectables

/** The part of the WebSocket API the client uses (the browser's fits). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The part of the Web Storage API the client uses to survive a reload. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface AgentClientOptions {
  /** The server's origin, e.g. https://cc.example.com; default: the page's. */
  baseUrl?: string;
  /** The agent WebSocket's URL; default: baseUrl with ws(s): + /api/v1/agent. */
  wsUrl?: string;
  /** Default: globalThis.WebSocket. */
  WebSocketImpl?: WebSocketConstructor;
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
  /**
   * Where the session (token, lastSeq) is kept so that a reload resumes it;
   * default: sessionStorage when there is one. null: keep it in memory only.
   */
  storage?: StorageLike | null;
  storageKey?: string;
  /** Default 20 000 (the server closes a connection idle for 60 s). */
  heartbeatMs?: number;
  /** How long a request waits for its reply; default 15 000. */
  requestTimeoutMs?: number;
  /** Reconnect delays, the last one repeating; default 0.5, 1, 2, 4, 8, 10 s. */
  backoffMs?: number[];
  /** Jitter source (0..1); default Math.random. Tests pass () => 0. */
  random?: () => number;
  /**
   * Log in with the web console's session cookie (POST /api/v1/auth/session)
   * instead of a token: the WebSocket is then authenticated by the cookie,
   * and no token ever reaches page scripts. Only for a page on the server's
   * own origin (the console's CCP); integrators on another origin use the
   * token login (the default).
   */
  cookieSession?: boolean;
}

// ---------------------------------------------------------------- state

/** The session a login gives: kept across reloads in storage. */
export interface AgentSession {
  /** The session token; "" with cookieSession (the cookie carries it). */
  token: string;
  instanceId: string;
  userId?: string;
  username: string;
  displayName: string;
  expiresAt?: string;
  /** The last event seq processed; null before the first welcome. */
  lastSeq: number | null;
}

export type ConnectionStatus =
  | 'disconnected' // no socket (logged out, or replaced)
  | 'connecting' // the socket is opening
  | 'authenticating' // hello/resume sent, waiting for welcome
  | 'ready' // welcome received
  | 'reconnecting'; // waiting to open a new socket after a drop

/** A contact's slot as the client sees it. Ended: between contactEnded and acwStarted. */
export type ContactSlot = 'Pending' | 'Connected' | 'Ended' | 'AfterContactWork';

/** A chat message shown in the console: the others' and the agent's own. */
export interface ChatItem extends ChatMessage {
  /** true for the agent's own messages (the server does not echo them). */
  own: boolean;
  deliveredAt?: string;
  readAt?: string;
}

export interface ConsultState {
  /** The consulted contact (agent or queue targets), from the consult ack. */
  nextContactId?: string;
  target: ConsultTarget;
  conference: boolean;
  /** consultFailed's reason: the number did not answer (the caller is still on hold). */
  failed?: string;
}

export interface ContactState {
  contactId: string;
  channel: Channel;
  queueId?: string;
  personalQueue: boolean;
  state: ContactSlot;
  /** When the contact reached its current state, as far as the client knows. */
  since?: string;
  /** The offer's deadline (Pending). */
  offerExpiresAt?: string;
  /** The after-contact work's deadline (AfterContactWork); absent: no limit. */
  acwExpiresAt?: string;
  attributes: Record<string, string>;
  autoAccepted: boolean;
  onHold: boolean;
  muted: boolean;
  consult?: ConsultState;
  messages: ChatItem[];
  /** The last typing indicator of another participant. */
  typing?: { participantRole: string; at: number };
}

export interface ClientState {
  connection: ConnectionStatus;
  /** null: logged out. */
  session: AgentSession | null;
  agent: AgentInfo | null;
  status: string;
  system: SystemState | null;
  statusSince?: string;
  profile: ProfileInfo | null;
  /**
   * The statuses the agent can choose, from the last welcome (Available and
   * Offline until then, or from a server that does not list them).
   */
  statuses: readonly StatusInfo[];
  /** Every contact the agent holds, by contactId. */
  contacts: Readonly<Record<string, ContactState>>;
  /** The last welcome's resumed flag. */
  resumed: boolean | null;
  /** Another connection said hello for this agent: no reconnect until connect(). */
  replaced: boolean;
  /** How many times the client scheduled a reconnect. */
  reconnects: number;
  /** The last unsolicited error frame (no re), e.g. session_replaced. */
  lastError: AgentApiError | null;
}

/** The events of AgentClient.on: every server event by its type, and local ones. */
export type AgentClientEvents = {
  [K in ServerEventType]: Extract<ServerEvent, { type: K }>;
} & {
  /** Every server event, after it was applied to the state. */
  event: ServerEvent;
  welcome: Welcome;
  /** The state changed (a new, immutable snapshot). */
  change: ClientState;
  connection: ConnectionStatus;
  /** The server closed this connection because another one said hello. */
  sessionReplaced: AgentApiError;
  /** The session is gone (expired, logout, not an agent): log in again. */
  loggedOut: { reason: string };
  /** An error frame without re (not a reply). */
  serverError: AgentApiError;
  /** Events of types this client does not know (the protocol says: ignore them). */
  unknown: { type: string; seq?: number; [k: string]: unknown };
};

interface Pending {
  type: string;
  resolve: (m: Ack | Welcome) => void;
  reject: (e: AgentApiError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const KNOWN_EVENTS = new Set<string>(EVENT_TYPES);

const DEFAULT_BACKOFF = [500, 1000, 2000, 4000, 8000, 10000];
/** The statuses every instance has, as the router names them. */
export const SYSTEM_STATUSES: readonly StatusInfo[] = [
  { name: 'Available', type: 'ROUTABLE' },
  { name: 'Offline', type: 'OFFLINE' },
];
const MAX_MESSAGES = 500;

function defaultStorage(): StorageLike | null {
  try {
    const s = (globalThis as { sessionStorage?: StorageLike }).sessionStorage;
    return s ?? null;
  } catch {
    return null; // sessionStorage throws when storage is blocked
  }
}

function defaultBaseUrl(): string {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  return loc?.origin ?? 'http://localhost';
}

/**
 * AgentClient logs an agent in, keeps the agent WebSocket connected
 * (hello, or resume with the last seq after a drop or a reload; reconnect
 * with backoff; heartbeat), turns requests into promises settled by their
 * ack or error, and folds every event into one immutable ClientState.
 */
export class AgentClient extends Emitter<AgentClientEvents> {
  private readonly opts: Required<Omit<AgentClientOptions, 'storage' | 'wsUrl' | 'WebSocketImpl' | 'fetch'>> & {
    wsUrl: string;
  };
  private readonly WS: WebSocketConstructor;
  private readonly fetchImpl: FetchLike;
  private readonly storage: StorageLike | null;
  private ws: WebSocketLike | null = null;
  private gen = 0;
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffStep = 0;
  private stopped = false;
  private s: ClientState;
  /** What only events carry, restored from storage after a reload (by contactId). */
  private restored: Record<string, Partial<ContactState>> = {};

  constructor(options: AgentClientOptions = {}) {
    super();
    const baseUrl = (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, '');
    this.opts = {
      baseUrl,
      wsUrl: options.wsUrl ?? baseUrl.replace(/^http/, 'ws') + '/api/v1/agent',
      storageKey: options.storageKey ?? 'switchboard.agent.session',
      heartbeatMs: options.heartbeatMs ?? 20000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15000,
      backoffMs: options.backoffMs?.length ? options.backoffMs : DEFAULT_BACKOFF,
      random: options.random ?? Math.random,
      cookieSession: options.cookieSession ?? false,
    };
    const WS = options.WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const f = options.fetch ?? (globalThis.fetch ? globalThis.fetch.bind(globalThis) : undefined);
    if (!WS) throw new Error('agent-client: no WebSocket implementation (pass WebSocketImpl)');
    if (!f) throw new Error('agent-client: no fetch implementation (pass fetch)');
    this.WS = WS;
    this.fetchImpl = f;
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.s = {
      connection: 'disconnected',
      session: this.loadSession(),
      agent: null,
      status: 'Offline',
      system: null,
      profile: null,
      statuses: SYSTEM_STATUSES,
      contacts: {},
      resumed: null,
      replaced: false,
      reconnects: 0,
      lastError: null,
    };
    if (this.s.session) this.restored = this.loadContacts();
  }

  // ---------------------------------------------------------------- state

  /** The current state: an immutable snapshot, replaced on every change. */
  getState(): ClientState {
    return this.s;
  }

  /** subscribe is getState's change listener, in useSyncExternalStore's shape. */
  subscribe = (fn: () => void): (() => void) => this.on('change', () => fn());

  private set(patch: Partial<ClientState>): void {
    const contactsChanged = patch.contacts !== undefined && patch.contacts !== this.s.contacts;
    this.s = { ...this.s, ...patch };
    if (contactsChanged) this.saveContacts();
    this.emit('change', this.s);
  }

  // The welcome snapshot has no attributes, transcript or local flags: they
  // are kept in storage next to the session so that a reload shows them.
  private contactsKey(): string {
    return this.opts.storageKey + '.contacts';
  }

  private loadContacts(): Record<string, Partial<ContactState>> {
    if (!this.storage) return {};
    try {
      return (JSON.parse(this.storage.getItem(this.contactsKey()) ?? '{}') as Record<string, Partial<ContactState>>) ?? {};
    } catch {
      return {};
    }
  }

  private saveContacts(): void {
    if (!this.storage) return;
    try {
      if (!this.s.session) {
        this.storage.removeItem(this.contactsKey());
        return;
      }
      const keep: Record<string, Partial<ContactState>> = {};
      for (const c of Object.values(this.s.contacts)) {
        keep[c.contactId] = { attributes: c.attributes, messages: c.messages.slice(-100), autoAccepted: c.autoAccepted, onHold: c.onHold, muted: c.muted, consult: c.consult };
      }
      this.storage.setItem(this.contactsKey(), JSON.stringify(keep));
    } catch {
      // storage full or blocked: a reload loses the transcript, nothing else
    }
  }

  private setConnection(c: ConnectionStatus): void {
    if (this.s.connection === c) return;
    this.set({ connection: c });
    this.emit('connection', c);
  }

  private patchContact(id: string, patch: Partial<ContactState>, create?: Partial<ContactState>): void {
    const prev = this.s.contacts[id];
    if (!prev && !create) return;
    const base: ContactState = prev ?? {
      contactId: id,
      channel: 'CHAT',
      personalQueue: false,
      state: 'Pending',
      attributes: {},
      autoAccepted: false,
      onHold: false,
      muted: false,
      messages: [],
      ...create,
    };
    this.set({ contacts: { ...this.s.contacts, [id]: { ...base, ...patch } } });
  }

  private removeContact(id: string): void {
    if (!this.s.contacts[id]) return;
    const next = { ...this.s.contacts };
    delete next[id];
    this.set({ contacts: next });
  }

  // ---------------------------------------------------------------- session

  private loadSession(): AgentSession | null {
    if (!this.storage) return null;
    try {
      const v = JSON.parse(this.storage.getItem(this.opts.storageKey) ?? 'null') as AgentSession | null;
      return v && typeof v.token === 'string' ? { ...v, lastSeq: typeof v.lastSeq === 'number' ? v.lastSeq : null } : null;
    } catch {
      return null;
    }
  }

  private saveSession(sess: AgentSession | null): void {
    if (!this.storage) return;
    try {
      if (sess) this.storage.setItem(this.opts.storageKey, JSON.stringify(sess));
      else this.storage.removeItem(this.opts.storageKey);
    } catch {
      // Storage full or blocked: the session still works, only a reload loses it.
    }
  }

  private setSession(sess: AgentSession | null): void {
    this.saveSession(sess);
    this.set({ session: sess });
  }

  /** Whether there is a session (from login, or restored from storage). */
  get loggedIn(): boolean {
    return this.s.session !== null;
  }

  /**
   * login checks the credentials (POST /api/v1/auth/login; instanceId may be
   * the instance's alias) and keeps the session. It does not connect: call
   * connect(). A bad login rejects with AgentApiError (code unauthenticated,
   * status 401). With cookieSession it logs in to the console instead (POST
   * /api/v1/auth/session): the answer sets the HttpOnly session cookie that
   * authenticates the WebSocket's hello, and the session kept has no token.
   */
  async login(creds: { instanceId: string; username: string; password: string }): Promise<AgentSession> {
    let sess: Omit<AgentSession, 'lastSeq'> | null;
    if (this.opts.cookieSession) {
      const body = await this.postLogin<{
        instance?: { id?: string };
        user?: { id?: string; username?: string; displayName?: string };
        expiresAt?: string;
      }>('/api/v1/auth/session', creds);
      sess = body.user
        ? { token: '', instanceId: body.instance?.id ?? creds.instanceId, userId: body.user.id,
            username: body.user.username ?? creds.username, displayName: body.user.displayName ?? '',
            expiresAt: body.expiresAt }
        : null;
    } else {
      const body = await this.postLogin<Partial<LoginResponse>>('/api/v1/auth/login', creds);
      sess = typeof body.token === 'string'
        ? { token: body.token, instanceId: body.instanceId ?? creds.instanceId, userId: body.userId,
            username: body.username ?? creds.username, displayName: body.displayName ?? '', expiresAt: body.expiresAt }
        : null;
    }
    if (!sess) throw new AgentApiError('http_200', 'login failed: the answer has no session', 'login', 200);
    const full: AgentSession = { ...sess, lastSeq: null };
    this.stopped = false;
    this.set({ replaced: false, lastError: null });
    this.setSession(full);
    return full;
  }

  // postLogin posts credentials to a login route and returns its JSON
  // answer; a refusal rejects with the problem's code and message.
  private async postLogin<T>(path: string, creds: { instanceId: string; username: string; password: string }): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.opts.baseUrl + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(creds),
        credentials: 'same-origin',
      });
    } catch (err) {
      throw new AgentApiError('network', `cannot reach the server: ${String(err)}`, 'login');
    }
    let body = {} as T & { code?: string; detail?: string; title?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok) {
      throw new AgentApiError(
        body.code ?? `http_${res.status}`,
        body.detail ?? body.title ?? `login failed (HTTP ${res.status})`,
        'login',
        res.status,
      );
    }
    return body;
  }

  /**
   * logout sets the agent Offline (when connected: closing the socket alone
   * keeps the agent's status for the grace period), closes the socket and
   * forgets the session.
   */
  async logout(): Promise<void> {
    if (this.s.connection === 'ready') {
      try {
        await this.setState('Offline');
      } catch {
        // leaving anyway
      }
    }
    this.close();
    if (this.opts.cookieSession) {
      // End the console session too (its cookie would otherwise log the
      // next page load back in); the CSRF token is the sb_csrf cookie's.
      const csrf = /(?:^|;\s*)sb_csrf=([^;]*)/.exec(globalThis.document?.cookie ?? '')?.[1] ?? '';
      try {
        await this.fetchImpl(this.opts.baseUrl + '/api/v1/auth/logout', {
          method: 'POST',
          headers: { 'X-CSRF-Token': decodeURIComponent(csrf) },
          credentials: 'same-origin',
        });
      } catch {
        // offline: the session expires by itself
      }
    }
    this.loggedOutLocally('logout');
  }

  private loggedOutLocally(reason: string): void {
    this.setSession(null);
    this.restored = {};
    this.set({ agent: null, status: 'Offline', system: null, profile: null, statuses: SYSTEM_STATUSES, contacts: {}, resumed: null });
    this.emit('loggedOut', { reason });
  }

  // ---------------------------------------------------------------- connection

  /**
   * connect opens the WebSocket and says hello (or resume, when a previous
   * connection processed events); it resolves with the welcome. After that
   * the client reconnects by itself until close(), logout, a replaced
   * session or an invalid one.
   */
  connect(): Promise<Welcome> {
    if (!this.s.session) return Promise.reject(new AgentApiError('unauthenticated', 'not logged in', 'connect'));
    this.stopped = false;
    if (this.s.replaced) this.set({ replaced: false });
    return new Promise<Welcome>((resolve, reject) => {
      const offW = this.once('welcome', (w) => {
        offL();
        resolve(w);
      });
      const offL = this.once('loggedOut', (r) => {
        offW();
        reject(new AgentApiError('unauthenticated', r.reason, 'connect'));
      });
      this.open();
    });
  }

  /** close stops the connection and any reconnect; the session stays (connect() again). */
  close(): void {
    this.stopped = true;
    this.teardown(1000, 'closed by the client');
    this.setConnection('disconnected');
  }

  private teardown(code: number, reason: string): void {
    this.gen++;
    this.stopHeartbeat();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
    }
    this.failPending('closed', 'the connection closed');
  }

  private open(): void {
    this.teardown(1000, 'reconnecting');
    const gen = this.gen;
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.opts.wsUrl);
    } catch (err) {
      this.set({ lastError: new AgentApiError('closed', `cannot open the WebSocket: ${String(err)}`) });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.setConnection('connecting');
    ws.onopen = () => {
      if (gen !== this.gen) return;
      void this.sayHello(gen);
    };
    ws.onmessage = (ev) => {
      if (gen !== this.gen) return;
      this.onFrame(ev.data);
    };
    ws.onerror = () => {
      // onclose follows and handles it.
    };
    ws.onclose = () => {
      if (gen !== this.gen) return;
      this.ws = null;
      this.stopHeartbeat();
      this.failPending('closed', 'the connection closed');
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.s.replaced || !this.s.session || this.reconnectTimer) {
      if (!this.reconnectTimer) this.setConnection('disconnected');
      return;
    }
    const b = this.opts.backoffMs;
    const base = b[Math.min(this.backoffStep, b.length - 1)];
    this.backoffStep++;
    const delay = base + Math.floor(this.opts.random() * base * 0.2);
    this.set({ reconnects: this.s.reconnects + 1 });
    this.setConnection('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  private async sayHello(gen: number): Promise<void> {
    const sess = this.s.session;
    if (!sess) return;
    this.setConnection('authenticating');
    let w: Welcome;
    try {
      w =
        sess.lastSeq !== null
          ? await this.send('resume', { ...tokenOf(sess), lastSeq: sess.lastSeq }, true)
          : await this.send('hello', tokenOf(sess), true);
    } catch (err) {
      if (gen !== this.gen) return;
      const e = err as AgentApiError;
      if (e.code === 'unauthenticated') {
        this.close();
        this.loggedOutLocally(e.message || 'unauthenticated');
      } else if (e.code !== 'closed') {
        // unavailable, timeout, …: drop this socket and retry with backoff.
        this.set({ lastError: e });
        this.ws?.close(4000, e.code);
      }
      return;
    }
    if (gen !== this.gen) return;
    this.applyWelcome(w);
    this.backoffStep = 0;
    this.startHeartbeat(gen);
    this.setConnection('ready');
    this.emit('welcome', w);
  }

  private startHeartbeat(gen: number): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (gen !== this.gen) return;
      this.heartbeat().catch((err: AgentApiError) => {
        // No reply in time: the connection is dead although not closed yet.
        if (err.code === 'timeout' && gen === this.gen) this.ws?.close(4000, 'heartbeat timeout');
      });
    }, this.opts.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private failPending(code: 'closed', message: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new AgentApiError(code, message, p.type));
    }
  }

  // ---------------------------------------------------------------- requests

  /**
   * request sends any client message and resolves with its reply (the ack,
   * or welcome for hello/resume); an error frame rejects with its code.
   * Requests need a ready connection (not_open otherwise).
   */
  request<T extends RequestType>(type: T, fields: RequestFields[T]): Promise<ReplyOf<T>> {
    if (type === 'hello' || type === 'resume') {
      return Promise.reject(new AgentApiError('invalid', 'hello and resume are sent by connect()', type));
    }
    if (this.s.connection !== 'ready') {
      return Promise.reject(new AgentApiError('not_open', 'the agent connection is not open', type));
    }
    return this.send(type, fields, false);
  }

  private send<T extends RequestType>(type: T, fields: RequestFields[T], hello: boolean): Promise<ReplyOf<T>> {
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== 1 || (!hello && this.s.connection !== 'ready')) {
        reject(new AgentApiError('not_open', 'the agent connection is not open', type));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentApiError('timeout', `no reply to ${type} within ${this.opts.requestTimeoutMs} ms`, type));
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { type, resolve: resolve as (m: Ack | Welcome) => void, reject, timer });
      try {
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type, id, ...fields }));
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new AgentApiError('not_open', `send failed: ${String(err)}`, type));
      }
    });
  }

  // Typed shorthands; several also update local flags from the ack (the
  // server's event, when there is one, confirms it).

  setState(status: string): Promise<Ack> {
    return this.request('setState', { status });
  }
  accept(contactId: string): Promise<Ack> {
    return this.request('accept', { contactId });
  }
  reject(contactId: string): Promise<Ack> {
    return this.request('reject', { contactId });
  }
  endContact(contactId: string): Promise<Ack> {
    return this.request('endContact', { contactId });
  }
  // completeAcw ends after-contact work; notes (up to 4096 characters)
  // become the contact's description, in its contact record.
  completeAcw(contactId: string, notes?: string): Promise<Ack> {
    return this.request('completeAcw', notes ? { contactId, notes } : { contactId });
  }
  /** sendMessage posts a chat message and adds it to the contact's messages (own: true). */
  async sendMessage(contactId: string, content: string, contentType = 'text/plain'): Promise<Ack> {
    const ack = await this.request('sendMessage', { contactId, content, contentType });
    const c = this.s.contacts[contactId];
    if (c) {
      const item: ChatItem = {
        id: ack.messageId ?? `local-${ack.re}`,
        participantRole: 'AGENT',
        displayName: this.s.agent?.displayName,
        contentType,
        content,
        time: new Date().toISOString(),
        own: true,
      };
      this.patchContact(contactId, { messages: [...c.messages, item].slice(-MAX_MESSAGES) });
    }
    return ack;
  }
  typing(contactId: string): Promise<Ack> {
    return this.request('typing', { contactId });
  }
  read(contactId: string, messageId: string): Promise<Ack> {
    return this.request('read', { contactId, messageId });
  }
  delivered(contactId: string, messageId: string): Promise<Ack> {
    return this.request('delivered', { contactId, messageId });
  }
  transfer(contactId: string, target: TransferTarget): Promise<Ack> {
    return this.request('transfer', { contactId, ...target });
  }
  heartbeat(): Promise<Ack> {
    return this.request('heartbeat', {});
  }
  rtcOffer(sdp: string): Promise<Ack> {
    return this.request('rtcOffer', { sdp });
  }
  rtcCandidate(candidate: IceCandidateInit): Promise<Ack> {
    return this.request('rtcCandidate', { candidate });
  }
  async hold(contactId: string): Promise<Ack> {
    const ack = await this.request('hold', { contactId });
    this.patchContact(contactId, { onHold: true });
    return ack;
  }
  async unhold(contactId: string): Promise<Ack> {
    const ack = await this.request('unhold', { contactId });
    this.patchContact(contactId, { onHold: false });
    return ack;
  }
  async mute(contactId: string): Promise<Ack> {
    const ack = await this.request('mute', { contactId });
    this.patchContact(contactId, { muted: true });
    return ack;
  }
  async unmute(contactId: string): Promise<Ack> {
    const ack = await this.request('unmute', { contactId });
    this.patchContact(contactId, { muted: false });
    return ack;
  }
  sendDigits(contactId: string, digits: string): Promise<Ack> {
    return this.request('sendDigits', { contactId, digits });
  }
  /** dial places an outbound call; the ack's contactId is the new contact. */
  dial(phoneNumber: string, queueId?: string): Promise<Ack> {
    return this.request('dial', queueId ? { phoneNumber, queueId } : { phoneNumber });
  }
  async consult(contactId: string, target: ConsultTarget): Promise<Ack> {
    const ack = await this.request('consult', { contactId, ...target });
    this.patchContact(contactId, { consult: { nextContactId: ack.nextContactId, target, conference: false } });
    return ack;
  }
  async conference(contactId: string): Promise<Ack> {
    const ack = await this.request('conference', { contactId });
    const c = this.s.contacts[contactId];
    if (c?.consult) this.patchContact(contactId, { consult: { ...c.consult, conference: true } });
    return ack;
  }
  async cancelConsult(contactId: string): Promise<Ack> {
    const ack = await this.request('cancelConsult', { contactId });
    this.patchContact(contactId, { consult: undefined });
    return ack;
  }

  /**
   * listQuickConnects resolves with the transfer and consultation targets
   * (by name): pass one's id as quickConnectId to transfer or consult.
   */
  async listQuickConnects(): Promise<QuickConnectInfo[]> {
    const ack = await this.request('listQuickConnects', {});
    return ack.quickConnects ?? [];
  }

  /**
   * getTranscript reads the chat of a contact the agent is connected to (or
   * wrapping up) and merges it into the contact's messages: the
   * transcript's order first (receipts already known kept), then messages
   * that arrived meanwhile. For a console that starts without them (another
   * browser, storage cleared). Resolves with the contact's messages (the
   * transcript's when the client does not hold the contact).
   */
  async getTranscript(contactId: string): Promise<ChatItem[]> {
    const ack = await this.request('getTranscript', { contactId });
    const c = this.s.contacts[contactId];
    const known = new Map((c?.messages ?? []).map((m) => [m.id, m]));
    const items: ChatItem[] = (ack.messages ?? []).map((m) => {
      const prev = known.get(m.id);
      return { ...m, own: !!m.own || !!prev?.own, deliveredAt: prev?.deliveredAt, readAt: prev?.readAt };
    });
    if (!c) return items;
    const ids = new Set(items.map((m) => m.id));
    const merged = [...items, ...c.messages.filter((m) => !ids.has(m.id))].slice(-MAX_MESSAGES);
    this.patchContact(contactId, { messages: merged });
    return merged;
  }

  // ---------------------------------------------------------------- frames

  private onFrame(data: unknown): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(typeof data === 'string' ? data : String(data)) as Record<string, unknown>;
    } catch {
      return; // not JSON: nothing to do with it
    }
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string') return;
    const re = typeof m.re === 'string' ? m.re : '';
    if (re !== '') {
      const p = this.pending.get(re);
      if (!p) return; // timed out already
      this.pending.delete(re);
      clearTimeout(p.timer);
      if (m.type === 'error') {
        const f = m as unknown as ErrorFrame;
        p.reject(new AgentApiError(f.code, f.error ?? f.code, p.type));
      } else {
        p.resolve(m as unknown as Ack | Welcome);
      }
      return;
    }
    if (m.type === 'error') {
      const f = m as unknown as ErrorFrame;
      const err = new AgentApiError(f.code, f.error ?? f.code);
      this.set({ lastError: err });
      if (f.code === 'session_replaced') {
        // Another console took over: do not fight it by reconnecting.
        this.set({ replaced: true });
        this.stopped = true;
        this.teardown(1000, 'session replaced');
        this.setConnection('disconnected');
        this.emit('sessionReplaced', err);
      } else if (f.code === 'unauthenticated') {
        this.close();
        this.loggedOutLocally(err.message);
      } else {
        this.emit('serverError', err);
      }
      return;
    }
    if (typeof m.seq === 'number') {
      const sess = this.s.session;
      // Events at or before lastSeq were processed already (a replay overlap).
      if (sess && sess.lastSeq !== null && m.seq <= sess.lastSeq) return;
      if (sess) this.setSession({ ...sess, lastSeq: m.seq });
    }
    if (!KNOWN_EVENTS.has(m.type)) {
      this.emit('unknown', m as AgentClientEvents['unknown']);
      return;
    }
    const ev = m as unknown as ServerEvent;
    this.applyEvent(ev);
    this.emit(ev.type, ev as never);
    this.emit('event', ev);
  }

  private applyWelcome(w: Welcome): void {
    const sess = this.s.session;
    // The snapshot is the truth: rebuild the contacts, keeping what only
    // events carry (attributes, messages, local flags).
    const old = this.s.contacts;
    const contacts: Record<string, ContactState> = {};
    for (const c of w.contacts ?? []) {
      const prev = old[c.contactId] ?? this.restored[c.contactId];
      contacts[c.contactId] = {
        contactId: c.contactId,
        channel: c.channel,
        queueId: c.queueId,
        personalQueue: !!c.personalQueue,
        state: c.state,
        since: c.since,
        offerExpiresAt: c.state === 'Pending' ? c.expiresAt : undefined,
        acwExpiresAt: c.state === 'AfterContactWork' ? c.expiresAt : undefined,
        attributes: prev?.attributes ?? {},
        autoAccepted: prev?.autoAccepted ?? false,
        onHold: c.state === 'Connected' ? (prev?.onHold ?? false) : false,
        muted: c.state === 'Connected' ? (prev?.muted ?? false) : false,
        consult: c.state === 'Connected' ? prev?.consult : undefined,
        messages: prev?.messages ?? [],
        typing: prev?.typing,
      };
    }
    let lastSeq = sess?.lastSeq ?? null;
    if (!w.resumed || lastSeq === null) {
      // Sequence numbers restart with the server process: start from its current one.
      lastSeq = w.lastSeq ?? 0;
    }
    if (sess) this.setSession({ ...sess, lastSeq });
    this.restored = {};
    this.set({
      agent: w.agent ?? null,
      status: w.state?.status ?? 'Offline',
      system: w.state?.system ?? null,
      statusSince: w.state?.since,
      profile: w.profile ?? null,
      statuses: w.statuses?.length ? w.statuses : SYSTEM_STATUSES,
      contacts,
      resumed: !!w.resumed,
      lastError: null,
    });
  }

  private applyEvent(ev: ServerEvent): void {
    const now = new Date().toISOString();
    switch (ev.type) {
      case 'state':
        this.set({ status: ev.status, system: ev.system ?? null, statusSince: now });
        break;
      case 'offer':
        this.patchContact(
          ev.contactId,
          {
            channel: ev.channel,
            queueId: ev.queueId,
            personalQueue: !!ev.personalQueue,
            state: this.s.contacts[ev.contactId]?.state === 'Connected' ? 'Connected' : 'Pending',
            offerExpiresAt: ev.expiresAt,
            attributes: ev.attributes ?? {},
            autoAccepted: !!ev.autoAccepted,
          },
          { since: now },
        );
        break;
      case 'offerWithdrawn':
      case 'missed':
      case 'contactError':
        // Only an offer goes away this way; a connected contact stays.
        if (this.s.contacts[ev.contactId]?.state === 'Pending') this.removeContact(ev.contactId);
        break;
      case 'contactConnected':
        this.patchContact(
          ev.contactId,
          {
            channel: ev.channel,
            queueId: ev.queueId ?? this.s.contacts[ev.contactId]?.queueId,
            state: 'Connected',
            since: now,
            offerExpiresAt: undefined,
            autoAccepted: !!ev.autoAccepted,
          },
          {},
        );
        break;
      case 'contactEnded': {
        const c = this.s.contacts[ev.contactId];
        if (c && c.state !== 'AfterContactWork') {
          this.patchContact(ev.contactId, { state: 'Ended', since: now, onHold: false, muted: false, consult: undefined, typing: undefined });
        }
        break;
      }
      case 'acwStarted':
        this.patchContact(
          ev.contactId,
          { state: 'AfterContactWork', since: now, acwExpiresAt: ev.expiresAt, onHold: false, muted: false, consult: undefined, typing: undefined },
          {},
        );
        break;
      case 'acwEnded':
        this.removeContact(ev.contactId);
        break;
      case 'message': {
        const c = this.s.contacts[ev.contactId];
        if (!c || c.messages.some((x) => x.id === ev.message.id)) break;
        this.patchContact(ev.contactId, {
          messages: [...c.messages, { ...ev.message, own: false }].slice(-MAX_MESSAGES),
          // A message ends that participant's typing.
          typing: c.typing?.participantRole === ev.message.participantRole ? undefined : c.typing,
        });
        break;
      }
      case 'typing':
        this.patchContact(ev.contactId, { typing: { participantRole: ev.participantRole, at: Date.now() } });
        break;
      case 'receipt': {
        const c = this.s.contacts[ev.contactId];
        if (!c || !c.messages.some((x) => x.id === ev.messageId)) break;
        this.patchContact(ev.contactId, {
          messages: c.messages.map((x) =>
            x.id === ev.messageId
              ? { ...x, deliveredAt: ev.deliveredAt ?? x.deliveredAt, readAt: ev.readAt ?? x.readAt }
              : x,
          ),
        });
        break;
      }
      case 'contactHold':
        this.patchContact(ev.contactId, { onHold: ev.onHold });
        break;
      case 'consultFailed': {
        const c = this.s.contacts[ev.contactId];
        if (c) {
          this.patchContact(ev.contactId, {
            consult: c.consult ? { ...c.consult, failed: ev.reason ?? 'failed' } : undefined,
          });
        }
        break;
      }
    }
  }
}

// tokenOf is hello's token field: none for a cookie session (the upgrade
// request's cookie authenticates it).
function tokenOf(sess: AgentSession): { token?: string } {
  return sess.token ? { token: sess.token } : {};
}
