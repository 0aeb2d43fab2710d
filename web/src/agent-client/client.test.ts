import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentClient, type StorageLike, type WebSocketLike } from './client';
import { AgentApiError } from './errors';

// FakeSocket stands in for the browser's WebSocket: the test plays the
// server by reading sent frames and pushing frames back.
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closed: { code?: number; reason?: string } | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number, reason?: string) {
    if (this.readyState === 3) return;
    this.closed = { code, reason };
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  // server side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify({ v: 1, ...frame }) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  last(type?: string) {
    const s = type ? this.sent.filter((f) => f.type === type) : this.sent;
    return s[s.length - 1];
  }
}

class MemStorage implements StorageLike {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

const welcome = (over: Record<string, unknown> = {}) => ({
  type: 'welcome',
  agent: { id: 'u-ana', username: 'ana', displayName: 'Ana', instanceId: 'i-1' },
  state: { status: 'Offline' },
  profile: { routingProfileId: 'rp-1', acwTimeoutSeconds: 120 },
  resumed: false,
  lastSeq: 0,
  ...over,
});

function loginFetch(status = 200, body: unknown = { token: 'sbs_tok', expiresAt: '2030-01-01T00:00:00Z', instanceId: 'i-1', userId: 'u-ana', username: 'ana', displayName: 'Ana' }) {
  return vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
}

async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

let storage: MemStorage;

function newClient(over: Partial<ConstructorParameters<typeof AgentClient>[0]> = {}) {
  return new AgentClient({
    baseUrl: 'http://cc.test',
    WebSocketImpl: FakeSocket,
    fetch: loginFetch(),
    storage,
    random: () => 0,
    ...over,
  });
}

// connected logs in, connects and answers hello; it returns the client and socket.
async function connected(over: Partial<ConstructorParameters<typeof AgentClient>[0]> = {}, w: Record<string, unknown> = {}) {
  const c = newClient(over);
  await c.login({ instanceId: 'demo', username: 'ana', password: 'pw' });
  const p = c.connect();
  const ws = FakeSocket.all[FakeSocket.all.length - 1];
  ws.open();
  const hello = ws.last();
  ws.push({ re: hello.id, ...welcome(w) });
  await p;
  return { c, ws };
}

beforeEach(() => {
  FakeSocket.all = [];
  storage = new MemStorage();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('login', () => {
  it('posts the credentials and keeps the session', async () => {
    const f = loginFetch();
    const c = newClient({ fetch: f });
    const s = await c.login({ instanceId: 'demo', username: 'ana', password: 'pw' });
    expect(f).toHaveBeenCalledOnce();
    const [url, init] = f.mock.calls[0];
    expect(url).toBe('http://cc.test/api/v1/auth/login');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ instanceId: 'demo', username: 'ana', password: 'pw' });
    expect(s).toMatchObject({ token: 'sbs_tok', instanceId: 'i-1', displayName: 'Ana', lastSeq: null });
    expect(JSON.parse(storage.getItem('switchboard.agent.session')!).token).toBe('sbs_tok');
    expect(c.loggedIn).toBe(true);
  });

  it('rejects a bad login with the problem code and status', async () => {
    const c = newClient({ fetch: loginFetch(401, { code: 'unauthenticated', detail: 'invalid instance, username or password' }) });
    const err = await c.login({ instanceId: 'demo', username: 'ana', password: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentApiError);
    expect(err).toMatchObject({ code: 'unauthenticated', status: 401, message: 'invalid instance, username or password' });
    expect(c.loggedIn).toBe(false);
  });
});

describe('cookie session', () => {
  const sessionBody = { kind: 'session', admin: false, instance: { id: 'i-1', alias: 'demo' },
    user: { id: 'u-ana', username: 'ana', displayName: 'Ana' }, permissions: ['agent.ccp'], expiresAt: '2030-01-01T00:00:00Z' };

  it('logs in to the console session and says hello and resume without a token', async () => {
    const f = loginFetch(200, sessionBody);
    const { c, ws } = await connected({ fetch: f, cookieSession: true });
    expect(f.mock.calls[0][0]).toBe('http://cc.test/api/v1/auth/session');
    expect(ws.sent[0]).toMatchObject({ type: 'hello' });
    expect(ws.sent[0]).not.toHaveProperty('token');
    expect(c.getState().session).toMatchObject({ token: '', instanceId: 'i-1', userId: 'u-ana', displayName: 'Ana' });
    // A reload: the stored session (no token) resumes, still without a token.
    ws.push({ type: 'state', seq: 1, status: 'Available' });
    const c2 = newClient({ fetch: f, cookieSession: true });
    const p = c2.connect();
    const ws2 = FakeSocket.all[FakeSocket.all.length - 1];
    ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'resume', lastSeq: 1 });
    expect(ws2.sent[0]).not.toHaveProperty('token');
    ws2.push({ re: ws2.sent[0].id, ...welcome({ resumed: true, lastSeq: 1 }) });
    await p;
  });

  it('ends the console session on logout, with the CSRF token', async () => {
    const f = loginFetch(200, sessionBody);
    const { c, ws } = await connected({ fetch: f, cookieSession: true });
    vi.stubGlobal('document', { cookie: 'other=1; sb_csrf=tok%2Bx' });
    try {
      const out = c.logout();
      expect(ws.last()).toMatchObject({ type: 'setState', status: 'Offline' });
      ws.push({ type: 'ack', re: ws.last().id });
      await out;
    } finally {
      vi.unstubAllGlobals();
    }
    const [url, init] = f.mock.calls[f.mock.calls.length - 1];
    expect(url).toBe('http://cc.test/api/v1/auth/logout');
    expect((init?.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok+x');
    expect(c.loggedIn).toBe(false);
  });
});

describe('connection', () => {
  it('says hello with the token and applies the welcome', async () => {
    const { c, ws } = await connected({}, {
      state: { status: 'Available' },
      lastSeq: 7,
      contacts: [{ contactId: 'c-1', channel: 'CHAT', queueId: 'q', state: 'AfterContactWork', since: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:02:00Z' }],
    });
    expect(ws.url).toBe('ws://cc.test/api/v1/agent');
    expect(ws.sent[0]).toMatchObject({ v: 1, type: 'hello', token: 'sbs_tok' });
    const s = c.getState();
    expect(s.connection).toBe('ready');
    expect(s.agent?.username).toBe('ana');
    expect(s.status).toBe('Available');
    expect(s.profile?.acwTimeoutSeconds).toBe(120);
    expect(s.contacts['c-1']).toMatchObject({ state: 'AfterContactWork', acwExpiresAt: '2026-01-01T00:02:00Z' });
    expect(s.session?.lastSeq).toBe(7);
  });

  it('correlates replies with requests by id, in any order', async () => {
    const { c, ws } = await connected();
    const a = c.accept('c-1');
    const b = c.sendMessage('c-2', 'hi');
    const [ra, rb] = [ws.sent[1], ws.sent[2]];
    expect(ra).toMatchObject({ type: 'accept', contactId: 'c-1' });
    expect(rb).toMatchObject({ type: 'sendMessage', contactId: 'c-2', content: 'hi', contentType: 'text/plain' });
    expect(ra.id).not.toBe(rb.id);
    ws.push({ type: 'ack', re: rb.id, messageId: 'm-9' });
    ws.push({ type: 'ack', re: ra.id });
    await expect(b).resolves.toMatchObject({ messageId: 'm-9' });
    await expect(a).resolves.toMatchObject({ type: 'ack', re: ra.id });
  });

  it('sends after-contact-work notes with completeAcw, and none when empty', async () => {
    const { c, ws } = await connected();
    const p = c.completeAcw('c-1', 'Refund promised.');
    expect(ws.last()).toMatchObject({ type: 'completeAcw', contactId: 'c-1', notes: 'Refund promised.' });
    ws.push({ type: 'ack', re: ws.last().id });
    await p;
    const q = c.completeAcw('c-2');
    expect(ws.last()).toEqual(expect.not.objectContaining({ notes: expect.anything() }));
    ws.push({ type: 'ack', re: ws.last().id });
    await q;
  });

  it('rejects a request answered by an error with its code', async () => {
    const { c, ws } = await connected();
    const p = c.accept('c-9');
    ws.push({ type: 'error', re: ws.last().id, code: 'not_your_contact', error: 'contact c-9 is not yours' });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentApiError);
    expect(err).toMatchObject({ code: 'not_your_contact', message: 'contact c-9 is not yours', request: 'accept' });
    // and another code, through the generic request
    const q = c.request('setState', { status: 'Lunchh' });
    ws.push({ type: 'error', re: ws.last().id, code: 'invalid_status', error: 'no such status' });
    await expect(q).rejects.toMatchObject({ code: 'invalid_status' });
  });

  it('fails pending requests when the socket drops, and refuses requests while not ready', async () => {
    const { c, ws } = await connected();
    const p = c.endContact('c-1');
    ws.drop();
    await expect(p).rejects.toMatchObject({ code: 'closed' });
    await expect(c.setState('Available')).rejects.toMatchObject({ code: 'not_open' });
    expect(c.getState().connection).toBe('reconnecting');
  });

  it('reconnects with resume and lastSeq after a drop, without applying replayed events twice', async () => {
    vi.useFakeTimers();
    const { c, ws } = await connected({ backoffMs: [500, 1000] }, { lastSeq: 3 });
    const offers: string[] = [];
    c.on('offer', (e) => offers.push(e.contactId));
    ws.push({ type: 'state', seq: 4, status: 'Available' });
    ws.push({ type: 'offer', seq: 5, contactId: 'c-1', channel: 'CHAT', queueId: 'q', expiresAt: '2030-01-01T00:00:00Z', attributes: { customerName: 'Jo' } });
    expect(offers).toEqual(['c-1']);
    ws.drop();
    expect(c.getState().connection).toBe('reconnecting');
    expect(c.getState().reconnects).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    const ws2 = FakeSocket.all[1];
    ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'resume', token: 'sbs_tok', lastSeq: 5 });
    ws2.push({ re: ws2.sent[0].id, ...welcome({ resumed: true, lastSeq: 6, state: { status: 'Available' },
      contacts: [{ contactId: 'c-1', channel: 'CHAT', queueId: 'q', state: 'Connected', since: '2026-01-01T00:00:00Z' }] }) });
    await flush();
    // The server replays from lastSeq: an overlap (seq 5) is skipped, seq 6 applied.
    ws2.push({ type: 'offer', seq: 5, contactId: 'c-1', channel: 'CHAT', queueId: 'q', attributes: { customerName: 'Jo' } });
    ws2.push({ type: 'contactConnected', seq: 6, contactId: 'c-1', channel: 'CHAT', queueId: 'q' });
    ws2.push({ type: 'contactConnected', seq: 6, contactId: 'c-1', channel: 'CHAT', queueId: 'q' });
    expect(offers).toEqual(['c-1']);
    const s = c.getState();
    expect(s.connection).toBe('ready');
    expect(s.resumed).toBe(true);
    expect(s.session?.lastSeq).toBe(6);
    expect(s.contacts['c-1']).toMatchObject({ state: 'Connected', attributes: { customerName: 'Jo' } });
    // lastSeq survives a reload: a new client on the same storage resumes.
    expect(JSON.parse(storage.getItem('switchboard.agent.session')!).lastSeq).toBe(6);
  });

  it('starts from the server sequence when the welcome is not a resume', async () => {
    vi.useFakeTimers();
    const { c, ws } = await connected({}, { lastSeq: 40 });
    ws.push({ type: 'state', seq: 41, status: 'Available' });
    ws.drop();
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.all[1];
    ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'resume', lastSeq: 41 });
    // The server restarted: its sequence starts again at 2.
    ws2.push({ re: ws2.sent[0].id, ...welcome({ resumed: false, lastSeq: 2 }) });
    await flush();
    ws2.push({ type: 'state', seq: 3, status: 'Available' });
    expect(c.getState().status).toBe('Available');
    expect(c.getState().session?.lastSeq).toBe(3);
  });

  it('backs off further on repeated failures and resets after a welcome', async () => {
    vi.useFakeTimers();
    const { ws } = await connected({ backoffMs: [100, 1000, 5000] });
    ws.drop();
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.all[1].drop(); // never opened
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);
    const ws3 = FakeSocket.all[2];
    ws3.open();
    ws3.push({ re: ws3.sent[0].id, ...welcome({ resumed: true }) });
    await flush();
    ws3.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('sends a heartbeat every 20 s while connected', async () => {
    vi.useFakeTimers();
    const { ws } = await connected();
    const beats = () => ws.sent.filter((f) => f.type === 'heartbeat').length;
    await vi.advanceTimersByTimeAsync(19_999);
    expect(beats()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(beats()).toBe(1);
    ws.push({ type: 'ack', re: ws.last('heartbeat').id, time: '2026-01-01T00:00:00Z' });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(beats()).toBe(2);
    ws.push({ type: 'ack', re: ws.last('heartbeat').id });
    ws.drop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(beats()).toBe(2); // no heartbeats on a closed socket
  });

  it('closes a connection whose heartbeat gets no reply, and reconnects', async () => {
    vi.useFakeTimers();
    const { ws } = await connected({ requestTimeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(20_000 + 5000);
    expect(ws.closed).toMatchObject({ code: 4000 });
    await vi.advanceTimersByTimeAsync(600);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('stops reconnecting when the session is replaced', async () => {
    vi.useFakeTimers();
    const { c, ws } = await connected();
    const replaced = vi.fn();
    c.on('sessionReplaced', replaced);
    ws.push({ type: 'error', code: 'session_replaced', error: 'another connection said hello' });
    ws.drop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(replaced).toHaveBeenCalledOnce();
    expect(c.getState()).toMatchObject({ replaced: true, connection: 'disconnected' });
    expect(c.getState().lastError?.code).toBe('session_replaced');
    expect(c.loggedIn).toBe(true); // the session is still good: connect() takes over again
    void c.connect();
    expect(FakeSocket.all).toHaveLength(2);
    expect(c.getState().replaced).toBe(false);
  });

  it('logs out when hello is refused as unauthenticated', async () => {
    const c = newClient();
    await c.login({ instanceId: 'demo', username: 'ana', password: 'pw' });
    const out = vi.fn();
    c.on('loggedOut', out);
    const p = c.connect();
    const ws = FakeSocket.all[0];
    ws.open();
    ws.push({ type: 'error', re: ws.sent[0].id, code: 'unauthenticated', error: 'the session expired' });
    await expect(p).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(out).toHaveBeenCalledWith({ reason: 'the session expired' });
    expect(c.loggedIn).toBe(false);
    expect(storage.getItem('switchboard.agent.session')).toBeNull();
    expect(c.getState().connection).toBe('disconnected');
  });

  it('logs out on an unsolicited unauthenticated error', async () => {
    vi.useFakeTimers();
    const { c, ws } = await connected();
    ws.push({ type: 'error', code: 'unauthenticated', error: 'session expired' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(c.loggedIn).toBe(false);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('logout sets Offline first, then closes and forgets the session', async () => {
    const { c, ws } = await connected();
    const p = c.logout();
    expect(ws.last()).toMatchObject({ type: 'setState', status: 'Offline' });
    ws.push({ type: 'ack', re: ws.last().id });
    await p;
    expect(ws.closed).not.toBeNull();
    expect(c.loggedIn).toBe(false);
    expect(c.getState().connection).toBe('disconnected');
  });

  it('resumes a session restored from storage (a reload)', async () => {
    storage.setItem('switchboard.agent.session', JSON.stringify({ token: 'sbs_old', instanceId: 'i-1', username: 'ana', displayName: 'Ana', lastSeq: 12 }));
    const c = newClient();
    expect(c.loggedIn).toBe(true);
    void c.connect();
    const ws = FakeSocket.all[0];
    ws.open();
    expect(ws.sent[0]).toMatchObject({ type: 'resume', token: 'sbs_old', lastSeq: 12 });
  });
});

describe('reload', () => {
  it('restores what the welcome snapshot lacks (attributes, transcript) from storage', async () => {
    const { ws } = await connected();
    ws.push({ type: 'offer', seq: 1, contactId: 'c-1', channel: 'CHAT', queueId: 'q', attributes: { customerName: 'Jo' } });
    ws.push({ type: 'contactConnected', seq: 2, contactId: 'c-1', channel: 'CHAT', queueId: 'q' });
    ws.push({ type: 'message', seq: 3, contactId: 'c-1', message: { id: 'm-1', participantRole: 'CUSTOMER', contentType: 'text/plain', content: 'Hi', time: 't' } });
    // A new page on the same storage.
    const c2 = newClient();
    void c2.connect();
    const ws2 = FakeSocket.all[FakeSocket.all.length - 1];
    ws2.open();
    expect(ws2.sent[0]).toMatchObject({ type: 'resume', lastSeq: 3 });
    ws2.push({ re: ws2.sent[0].id, ...welcome({ resumed: true, lastSeq: 3,
      contacts: [{ contactId: 'c-1', channel: 'CHAT', queueId: 'q', state: 'Connected', since: 's' }] }) });
    await flush();
    expect(c2.getState().contacts['c-1']).toMatchObject({ state: 'Connected', attributes: { customerName: 'Jo' } });
    expect(c2.getState().contacts['c-1'].messages.map((m) => m.content)).toEqual(['Hi']);
  });

  it('forgets stored contacts on logout', async () => {
    const { c, ws } = await connected();
    ws.push({ type: 'offer', seq: 1, contactId: 'c-1', channel: 'CHAT', attributes: { a: 'b' } });
    expect(storage.getItem('switchboard.agent.session.contacts')).toContain('c-1');
    const p = c.logout();
    ws.push({ type: 'ack', re: ws.last().id });
    await p;
    expect(storage.getItem('switchboard.agent.session.contacts')).toBeNull();
  });
});

describe('state from events', () => {
  it('follows a chat from offer to the end of after-contact work', async () => {
    const { c, ws } = await connected();
    const changes = vi.fn();
    c.on('change', changes);
    ws.push({ type: 'state', seq: 1, status: 'Available' });
    expect(c.getState().status).toBe('Available');
    ws.push({ type: 'offer', seq: 2, contactId: 'c-1', channel: 'CHAT', queueId: 'q-sales', expiresAt: '2030-01-01T00:00:30Z', attributes: { customerName: 'Jo' } });
    expect(c.getState().contacts['c-1']).toMatchObject({ state: 'Pending', channel: 'CHAT', offerExpiresAt: '2030-01-01T00:00:30Z', attributes: { customerName: 'Jo' } });
    ws.push({ type: 'contactConnected', seq: 3, contactId: 'c-1', channel: 'CHAT', queueId: 'q-sales' });
    expect(c.getState().contacts['c-1'].state).toBe('Connected');
    ws.push({ type: 'message', seq: 4, contactId: 'c-1', message: { id: 'm-1', participantRole: 'CUSTOMER', displayName: 'Jo', contentType: 'text/plain', content: 'Hi', time: '2030-01-01T00:00:01.000Z' } });
    ws.push({ type: 'typing', seq: 5, contactId: 'c-1', participantRole: 'CUSTOMER' });
    expect(c.getState().contacts['c-1'].typing?.participantRole).toBe('CUSTOMER');
    const send = c.sendMessage('c-1', 'Hello Jo!');
    ws.push({ type: 'ack', re: ws.last().id, messageId: 'm-9' });
    await send;
    ws.push({ type: 'receipt', seq: 6, contactId: 'c-1', messageId: 'm-9', participantRole: 'CUSTOMER', readAt: '2030-01-01T00:00:04.000Z' });
    const msgs = c.getState().contacts['c-1'].messages;
    expect(msgs.map((m) => [m.id, m.own, m.content])).toEqual([['m-1', false, 'Hi'], ['m-9', true, 'Hello Jo!']]);
    expect(msgs[1].readAt).toBe('2030-01-01T00:00:04.000Z');
    ws.push({ type: 'contactEnded', seq: 7, contactId: 'c-1' });
    expect(c.getState().contacts['c-1'].state).toBe('Ended');
    ws.push({ type: 'acwStarted', seq: 8, contactId: 'c-1', expiresAt: '2030-01-01T00:03:00Z' });
    expect(c.getState().contacts['c-1']).toMatchObject({ state: 'AfterContactWork', acwExpiresAt: '2030-01-01T00:03:00Z' });
    ws.push({ type: 'acwEnded', seq: 9, contactId: 'c-1', reason: 'completed' });
    expect(c.getState().contacts['c-1']).toBeUndefined();
    expect(changes.mock.calls.length).toBeGreaterThan(8);
  });

  it('tracks hold and mute of a call, from events and acks', async () => {
    const { c, ws } = await connected();
    ws.push({ type: 'offer', seq: 1, contactId: 'v-1', channel: 'VOICE', queueId: 'q', autoAccepted: true });
    ws.push({ type: 'contactConnected', seq: 2, contactId: 'v-1', channel: 'VOICE', queueId: 'q', autoAccepted: true });
    ws.push({ type: 'contactHold', seq: 3, contactId: 'v-1', onHold: true });
    expect(c.getState().contacts['v-1'].onHold).toBe(true);
    ws.push({ type: 'contactHold', seq: 4, contactId: 'v-1', onHold: false });
    expect(c.getState().contacts['v-1'].onHold).toBe(false);
    const m = c.mute('v-1');
    expect(ws.last()).toMatchObject({ type: 'mute', contactId: 'v-1' });
    ws.push({ type: 'ack', re: ws.last().id });
    await m;
    expect(c.getState().contacts['v-1'].muted).toBe(true);
    const k = c.consult('v-1', { phoneNumber: '+15550199' });
    ws.push({ type: 'ack', re: ws.last().id });
    await k;
    expect(c.getState().contacts['v-1'].consult).toMatchObject({ target: { phoneNumber: '+15550199' }, conference: false });
    ws.push({ type: 'consultFailed', seq: 5, contactId: 'v-1', reason: 'no-answer' });
    expect(c.getState().contacts['v-1'].consult?.failed).toBe('no-answer');
    ws.push({ type: 'contactEnded', seq: 6, contactId: 'v-1' });
    expect(c.getState().contacts['v-1']).toMatchObject({ state: 'Ended', onHold: false, muted: false, consult: undefined });
  });

  it('drops withdrawn and missed offers, not connected contacts', async () => {
    const { c, ws } = await connected();
    ws.push({ type: 'offer', seq: 1, contactId: 'a', channel: 'CHAT' });
    ws.push({ type: 'offer', seq: 2, contactId: 'b', channel: 'CHAT' });
    ws.push({ type: 'offerWithdrawn', seq: 3, contactId: 'a', reason: 'ended' });
    ws.push({ type: 'missed', seq: 4, contactId: 'b' });
    ws.push({ type: 'state', seq: 5, status: 'Available', system: 'Missed' });
    expect(Object.keys(c.getState().contacts)).toEqual([]);
    expect(c.getState().system).toBe('Missed');
    ws.push({ type: 'contactConnected', seq: 6, contactId: 'c', channel: 'CHAT' });
    ws.push({ type: 'offerWithdrawn', seq: 7, contactId: 'c', reason: 'transfer' });
    expect(c.getState().contacts.c.state).toBe('Connected');
  });

  it('passes unknown event types on without failing', async () => {
    const { c, ws } = await connected();
    const unknown = vi.fn();
    c.on('unknown', unknown);
    ws.push({ type: 'somethingNew', seq: 1, x: 1 });
    ws.push({ type: 'state', seq: 2, status: 'Available' });
    expect(unknown).toHaveBeenCalledWith(expect.objectContaining({ type: 'somethingNew' }));
    expect(c.getState().status).toBe('Available');
  });
});

describe('statuses and quick connects', () => {
  it('keeps the statuses of the welcome, Available and Offline before it or from an older server', async () => {
    const c0 = newClient();
    expect(c0.getState().statuses).toEqual([{ name: 'Available', type: 'ROUTABLE' }, { name: 'Offline', type: 'OFFLINE' }]);
    const statuses = [
      { name: 'Available', type: 'ROUTABLE' },
      { name: 'Offline', type: 'OFFLINE' },
      { name: 'Lunch', type: 'CUSTOM' },
      { name: 'Break', type: 'CUSTOM' },
    ];
    vi.useFakeTimers();
    const { c, ws } = await connected({}, { statuses });
    expect(c.getState().statuses).toEqual(statuses);
    // A welcome without statuses (a server before they were listed) falls back.
    ws.drop();
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(2);
    const ws2 = FakeSocket.all[FakeSocket.all.length - 1];
    ws2.open();
    ws2.push({ re: ws2.sent[0].id, ...welcome() });
    await flush();
    expect(c.getState().statuses.map((s) => s.name)).toEqual(['Available', 'Offline']);
  });

  it('lists the quick connects', async () => {
    const { c, ws } = await connected();
    const p = c.listQuickConnects();
    expect(ws.last()).toMatchObject({ v: 1, type: 'listQuickConnects' });
    const qcs = [
      { id: 'qc-1', name: 'Billing', type: 'QUEUE', queueId: 'q-billing' },
      { id: 'qc-2', name: 'Bob', type: 'USER', userId: 'u-bob' },
      { id: 'qc-3', name: 'Head office', type: 'PHONE_NUMBER', phoneNumber: '+442071234567' },
    ];
    ws.push({ type: 'ack', re: ws.last().id, quickConnects: qcs });
    await expect(p).resolves.toEqual(qcs);
    // An ack without the field (none) is an empty list.
    const q = c.listQuickConnects();
    ws.push({ type: 'ack', re: ws.last().id });
    await expect(q).resolves.toEqual([]);
  });
});

describe('getTranscript', () => {
  it('fills a contact that starts without messages (another browser) and keeps later ones and receipts', async () => {
    const { c, ws } = await connected({ storage: null }, {
      contacts: [{ contactId: 'c-1', channel: 'CHAT', queueId: 'q', state: 'Connected', since: 's' }],
    });
    expect(c.getState().contacts['c-1'].messages).toEqual([]);
    // While the request is out, a new message and a receipt for an own message arrive.
    const p = c.getTranscript('c-1');
    expect(ws.last()).toMatchObject({ v: 1, type: 'getTranscript', contactId: 'c-1' });
    const id = ws.last().id;
    ws.push({ type: 'message', seq: 1, contactId: 'c-1', message: { id: 'm-4', participantRole: 'CUSTOMER', contentType: 'text/plain', content: 'still there?', time: 't4' } });
    ws.push({ type: 'ack', re: id, messages: [
      { id: 'm-1', participantRole: 'SYSTEM', displayName: 'SYSTEM_MESSAGE', contentType: 'text/plain', content: 'Connecting you', time: 't1' },
      { id: 'm-2', participantRole: 'CUSTOMER', displayName: 'Jo', contentType: 'text/plain', content: 'Hi', time: 't2' },
      { id: 'm-3', participantRole: 'AGENT', displayName: 'Ana', contentType: 'text/plain', content: 'Hello Jo', time: 't3', own: true },
    ] });
    const got = await p;
    expect(got.map((m) => [m.id, m.own])).toEqual([['m-1', false], ['m-2', false], ['m-3', true], ['m-4', false]]);
    expect(c.getState().contacts['c-1'].messages).toEqual(got);
    ws.push({ type: 'receipt', seq: 2, contactId: 'c-1', messageId: 'm-3', participantRole: 'CUSTOMER', readAt: 'r3' });
    // Reading it again changes nothing: no duplicates, the receipt stays.
    const again = c.getTranscript('c-1');
    ws.push({ type: 'ack', re: ws.last().id, messages: [
      { id: 'm-1', participantRole: 'SYSTEM', contentType: 'text/plain', content: 'Connecting you', time: 't1' },
      { id: 'm-2', participantRole: 'CUSTOMER', contentType: 'text/plain', content: 'Hi', time: 't2' },
      { id: 'm-3', participantRole: 'AGENT', contentType: 'text/plain', content: 'Hello Jo', time: 't3', own: true },
      { id: 'm-4', participantRole: 'CUSTOMER', contentType: 'text/plain', content: 'still there?', time: 't4' },
    ] });
    const msgs = await again;
    expect(msgs.map((m) => m.id)).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(msgs[2].readAt).toBe('r3');
  });

  it('rejects with the server code (not a chat) and leaves the contact alone', async () => {
    const { c, ws } = await connected({}, {
      contacts: [{ contactId: 'v-1', channel: 'VOICE', state: 'Connected', since: 's' }],
    });
    const p = c.getTranscript('v-1');
    ws.push({ type: 'error', re: ws.last().id, code: 'not_chat', error: 'contact v-1 is not a chat' });
    await expect(p).rejects.toMatchObject({ code: 'not_chat', request: 'getTranscript' });
    expect(c.getState().contacts['v-1'].messages).toEqual([]);
  });
});
