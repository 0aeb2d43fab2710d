// Switchboard test softphone: a minimal agent console for tests and demos.
//
// It logs in (POST /api/v1/auth/login), speaks the agent WebSocket protocol
// (docs/agent-api.md) and keeps one persistent WebRTC audio line to the
// server (rtcOffer / answer). No framework, no build step. Every control
// carries a data-testid; window.softphone exposes read-only state for tests.

import { listen as listenStream } from './listen.js';

const SESSION_KEY = 'switchboard.softphone.session';
const REQUEST_TIMEOUT_MS = 15000;
const HEARTBEAT_MS = 20000;
const ICE_GATHER_TIMEOUT_MS = 5000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10000];
const LOG_MAX = 300;
const REQUESTS_MAX = 100;

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);

// state is the page's whole model; render() draws it, window.softphone
// exposes copies of it.
const state = {
  phase: 'login', // login | connecting | ready
  agent: null, // {id, username, displayName, instanceId}
  status: 'Offline',
  system: null,
  profile: null,
  contacts: new Map(), // contactId -> {contactId, channel, queueId, state, onHold, muted, ...}
  ws: 'closed', // closed | connecting | open
  welcomes: 0,
  resumed: null,
  reconnects: 0,
  replaced: false,
  pc: { connection: 'none', ice: 'none', signaling: 'none', gathering: 'none', offers: 0, answers: 0, error: null, remoteTrack: false },
  mic: null, // {label, readyState, enabled, muted}
  dtmf: { inserted: '', played: '', error: null },
  login: { status: 'idle', error: null },
  lastError: null, // {source, code, message, at}
  errors: 0,
  requests: [], // {n, id, type, contactId, status: pending|ok|error, code, error, nextContactId}
  requestCount: 0,
  log: [], // {at, dir, type, seq, contactId, info}
};

let session = loadSession(); // {token, instanceId, username, displayName, lastSeq}
let ws = null;
let wsGen = 0;
let heartbeatTimer = null;
let reconnectTimer = null;
let backoffStep = 0;
let loggingOut = false;
let nextID = 1;
const pending = new Map(); // id -> {resolve, reject, timer, entry}

let localStream = null;
let pc = null;
let pcGen = 0;
let sender = null;
let reofferTimer = null;

// ---------------------------------------------------------------- session

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

function saveSession() {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

// ---------------------------------------------------------------- log and errors

function logEvent(dir, type, fields = {}) {
  const e = { at: new Date().toISOString(), dir, type };
  if (fields.seq !== undefined) e.seq = fields.seq;
  if (fields.contactId) e.contactId = fields.contactId;
  if (fields.info !== undefined) e.info = fields.info;
  state.log.push(e);
  if (state.log.length > LOG_MAX) state.log.splice(0, state.log.length - LOG_MAX);
  const line = `${e.at.slice(11, 23)} ${dir === 'in' ? '←' : dir === 'out' ? '→' : '·'} ${type}` +
    (e.seq !== undefined ? ` #${e.seq}` : '') + (e.contactId ? ` ${e.contactId}` : '') +
    (e.info !== undefined ? ` ${typeof e.info === 'string' ? e.info : JSON.stringify(e.info)}` : '');
  const el = $('event-log');
  if (el) {
    el.textContent += line + '\n';
    el.scrollTop = el.scrollHeight;
  }
  console.log('softphone:', line);
}

function setError(source, code, message) {
  state.lastError = { source, code: code || '', message: String(message || code || 'error'), at: new Date().toISOString() };
  state.errors++;
  logEvent('local', 'error', { info: `${source}: ${code ? code + ': ' : ''}${state.lastError.message}` });
  render();
}

// ---------------------------------------------------------------- login

async function login(instanceId, username, password) {
  state.login = { status: 'pending', error: null };
  render();
  let resp, body;
  try {
    resp = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ instanceId, username, password }),
    });
    body = await resp.json().catch(() => ({}));
  } catch (err) {
    state.login = { status: 'error', error: String(err) };
    setError('login', 'network', err);
    return;
  }
  if (!resp.ok || !body.token) {
    const msg = body.detail || body.title || `HTTP ${resp.status}`;
    state.login = { status: 'error', error: msg };
    setError('login', body.code || `http_${resp.status}`, msg);
    return;
  }
  state.login = { status: 'ok', error: null };
  session = { token: body.token, instanceId: body.instanceId || instanceId, username: body.username || username,
    displayName: body.displayName || '', lastSeq: null };
  saveSession();
  logEvent('local', 'login', { info: `${session.username}@${session.instanceId}` });
  loggingOut = false;
  state.replaced = false;
  state.phase = 'connecting';
  render();
  // The microphone right after login, so the audio line is ready before the first call.
  ensureMicrophone();
  connect();
}

async function logout() {
  loggingOut = true;
  if (state.ws === 'open') {
    try { await request('setState', { status: 'Offline' }); } catch { /* going anyway */ }
  }
  closeSocket();
  closeLine();
  if (localStream) {
    localStream.getTracks().forEach((t) => t.stop());
    localStream = null;
    micPromise = null;
    state.mic = null;
  }
  session = null;
  saveSession();
  state.phase = 'login';
  state.agent = null;
  state.status = 'Offline';
  state.system = null;
  state.contacts.clear();
  logEvent('local', 'logout');
  render();
}

// ---------------------------------------------------------------- WebSocket

function wsURL() {
  return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/api/v1/agent';
}

function connect() {
  if (!session) return;
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  const gen = ++wsGen;
  const sock = new WebSocket(wsURL());
  ws = sock;
  state.ws = 'connecting';
  render();
  sock.onopen = () => {
    if (gen !== wsGen) return;
    state.ws = 'open';
    render();
    sayHello(gen);
  };
  sock.onmessage = (ev) => {
    if (gen !== wsGen) return;
    let m;
    try {
      m = JSON.parse(ev.data);
    } catch {
      setError('ws', 'bad_frame', 'the server sent a frame that is not JSON');
      return;
    }
    onFrame(m);
  };
  sock.onclose = (ev) => {
    if (gen !== wsGen) return;
    ws = null;
    state.ws = 'closed';
    clearInterval(heartbeatTimer);
    heartbeatTimer = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      clearTimeout(p.timer);
      finishRequest(p.entry, 'error', 'closed', 'the connection closed');
      p.reject(Object.assign(new Error('the connection closed'), { code: 'closed' }));
    }
    logEvent('local', 'ws closed', { info: `${ev.code}${ev.reason ? ' ' + ev.reason : ''}` });
    render();
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  if (loggingOut || state.replaced || !session || reconnectTimer) return;
  const base = BACKOFF_MS[Math.min(backoffStep, BACKOFF_MS.length - 1)];
  backoffStep++;
  const delay = base + Math.floor(Math.random() * base * 0.2);
  state.reconnects++;
  logEvent('local', 'reconnect', { info: `in ${delay} ms` });
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    connect();
  }, delay);
}

function closeSocket() {
  wsGen++;
  clearInterval(heartbeatTimer);
  heartbeatTimer = null;
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (ws) {
    try { ws.close(1000, 'logout'); } catch { /* already closed */ }
  }
  ws = null;
  state.ws = 'closed';
}

async function sayHello(gen) {
  const resume = session.lastSeq !== null && session.lastSeq !== undefined;
  const fields = resume ? { token: session.token, lastSeq: session.lastSeq } : { token: session.token };
  let welcome;
  try {
    welcome = await request(resume ? 'resume' : 'hello', fields, { quiet: true });
  } catch (err) {
    if (gen !== wsGen) return;
    if (err.code === 'unauthenticated') {
      // The session is gone (expired, or the user is not an agent): log in again.
      closeSocket();
      session = null;
      saveSession();
      state.phase = 'login';
      render();
    }
    return;
  }
  if (gen !== wsGen) return;
  applyWelcome(welcome);
  heartbeatTimer = setInterval(() => {
    request('heartbeat', {}, { quiet: true }).catch(() => {});
  }, HEARTBEAT_MS);
}

// request sends a client frame and resolves with the server's reply (ack or
// welcome), or rejects with its error (err.code is the protocol code).
function request(type, fields = {}, opts = {}) {
  return new Promise((resolve, reject) => {
    const entry = { n: ++state.requestCount, id: String(nextID++), type, status: 'pending' };
    if (fields.contactId) entry.contactId = fields.contactId;
    if (!opts.quiet) {
      state.requests.push(entry);
      if (state.requests.length > REQUESTS_MAX) state.requests.splice(0, state.requests.length - REQUESTS_MAX);
    }
    if (!ws || state.ws !== 'open') {
      finishRequest(entry, 'error', 'not_connected', 'the WebSocket is not open');
      setError(type, 'not_connected', 'the WebSocket is not open');
      reject(Object.assign(new Error('the WebSocket is not open'), { code: 'not_connected' }));
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(entry.id);
      finishRequest(entry, 'error', 'timeout', `no reply to ${type} within ${REQUEST_TIMEOUT_MS} ms`);
      setError(type, 'timeout', `no reply to ${type}`);
      reject(Object.assign(new Error(`no reply to ${type}`), { code: 'timeout' }));
    }, REQUEST_TIMEOUT_MS);
    pending.set(entry.id, { resolve, reject, timer, entry });
    ws.send(JSON.stringify({ v: 1, type, id: entry.id, ...fields }));
    if (type !== 'heartbeat') {
      logEvent('out', type, { contactId: fields.contactId, info: type === 'rtcOffer' ? `${fields.sdp.length} bytes of SDP` : summary(type, fields) });
    }
    render();
  });
}

// summary shows a request's fields in the log, without secrets.
function summary(type, fields) {
  const f = { ...fields };
  delete f.contactId;
  if (f.token) f.token = '…';
  return Object.keys(f).length ? f : undefined;
}

function finishRequest(entry, status, code, error) {
  entry.status = status;
  if (code) entry.code = code;
  if (error) entry.error = error;
}

function onFrame(m) {
  if (m.re !== undefined && m.re !== '') {
    const p = pending.get(m.re);
    if (!p) return;
    pending.delete(m.re);
    clearTimeout(p.timer);
    if (m.type === 'error') {
      finishRequest(p.entry, 'error', m.code, m.error);
      setError(p.entry.type, m.code, m.error);
      p.reject(Object.assign(new Error(m.error || m.code), { code: m.code }));
    } else {
      finishRequest(p.entry, 'ok');
      if (m.nextContactId) p.entry.nextContactId = m.nextContactId; // transfer, consult
      if (p.entry.type !== 'heartbeat') logEvent('in', m.type, { info: `re ${p.entry.type}` });
      p.resolve(m);
    }
    render();
    return;
  }
  if (m.type === 'error') {
    // Not a reply: the frame could not be read, or the server is closing us.
    if (m.code === 'session_replaced') {
      state.replaced = true;
    }
    setError('server', m.code, m.error);
    return;
  }
  if (typeof m.seq === 'number' && session) {
    if (session.lastSeq === null || session.lastSeq === undefined || m.seq > session.lastSeq) {
      session.lastSeq = m.seq;
      saveSession();
    }
  }
  applyEvent(m);
  render();
}

function applyWelcome(w) {
  state.welcomes++;
  state.resumed = !!w.resumed;
  state.agent = w.agent || null;
  if (w.state) {
    state.status = w.state.status;
    state.system = w.state.system || null;
  }
  state.profile = w.profile || null;
  // The snapshot is the truth: rebuild the contacts, keeping local flags.
  const old = state.contacts;
  state.contacts = new Map();
  for (const c of w.contacts || []) {
    const prev = old.get(c.contactId) || {};
    state.contacts.set(c.contactId, { onHold: false, muted: false, ...prev, ...c });
  }
  if (!w.resumed || session.lastSeq === null || session.lastSeq === undefined) {
    // Sequence numbers restart with the server process: start from its current one.
    session.lastSeq = w.lastSeq || 0;
  }
  saveSession();
  backoffStep = 0;
  state.phase = 'ready';
  logEvent('in', 'welcome', { info: { resumed: !!w.resumed, lastSeq: w.lastSeq || 0, status: state.status } });
  render();
  startLine(!w.resumed);
}

function upsertContact(id, fields) {
  const c = state.contacts.get(id) || { contactId: id, onHold: false, muted: false };
  Object.assign(c, fields);
  state.contacts.set(id, c);
  return c;
}

function applyEvent(m) {
  logEvent('in', m.type, { seq: m.seq, contactId: m.contactId, info: eventInfo(m) });
  const id = m.contactId;
  switch (m.type) {
    case 'state':
      state.status = m.status;
      state.system = m.system || null;
      break;
    case 'offer':
      upsertContact(id, { channel: m.channel, queueId: m.queueId, personalQueue: !!m.personalQueue, state: 'Pending',
        expiresAt: m.expiresAt, attributes: m.attributes || {}, autoAccepted: !!m.autoAccepted });
      break;
    case 'offerWithdrawn':
    case 'missed':
    case 'contactError':
      state.contacts.delete(id);
      break;
    case 'contactConnected':
      upsertContact(id, { channel: m.channel, queueId: m.queueId, state: 'Connected', autoAccepted: !!m.autoAccepted });
      break;
    case 'contactEnded':
      upsertContact(id, { state: 'Ended', onHold: false });
      break;
    case 'acwStarted':
      upsertContact(id, { state: 'AfterContactWork', expiresAt: m.expiresAt, onHold: false });
      break;
    case 'acwEnded':
      state.contacts.delete(id);
      break;
    case 'contactHold':
      if (state.contacts.has(id)) upsertContact(id, { onHold: !!m.onHold });
      break;
    case 'consultFailed':
      if (state.contacts.has(id)) upsertContact(id, { consult: null, consultFailed: m.reason || 'failed' });
      break;
    default:
      // message, typing, receipt and types this page does not know: logged only.
      break;
  }
}

function eventInfo(m) {
  switch (m.type) {
    case 'state': return m.system ? `${m.status} (${m.system})` : m.status;
    case 'offer': return `${m.channel}${m.autoAccepted ? ' auto-accepted' : ''}`;
    case 'offerWithdrawn': case 'acwEnded': return m.reason;
    case 'contactHold': return m.onHold ? 'on hold' : 'resumed';
    case 'consultFailed': return `${m.nextContactId}: ${m.reason}`;
    case 'message': return m.message ? `${m.message.participantRole}: ${m.message.content}` : undefined;
    default: return undefined;
  }
}

// ---------------------------------------------------------------- media

let micPromise = null;

// ensureMicrophone acquires the microphone once per page (concurrent
// callers share the one getUserMedia).
function ensureMicrophone() {
  if (!micPromise) {
    micPromise = acquireMicrophone().then((s) => {
      if (!s) micPromise = null; // try again on the next line
      return s;
    });
  }
  return micPromise;
}

async function acquireMicrophone() {
  try {
    localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  } catch (err) {
    state.mic = { error: String(err && err.name ? `${err.name}: ${err.message}` : err) };
    setError('microphone', err && err.name, err && err.message);
    return null;
  }
  const track = localStream.getAudioTracks()[0];
  const update = () => {
    state.mic = track ? { label: track.label, readyState: track.readyState, enabled: track.enabled, muted: track.muted } : null;
    render();
  };
  if (track) {
    track.onended = update;
    track.onmute = update;
    track.onunmute = update;
  }
  update();
  logEvent('local', 'microphone', { info: track ? track.label : 'no audio track' });
  return localStream;
}

function closeLine() {
  pcGen++;
  clearTimeout(reofferTimer);
  reofferTimer = null;
  if (pc) {
    try { pc.close(); } catch { /* closed */ }
  }
  pc = null;
  sender = null;
  state.pc = { ...state.pc, connection: 'closed', ice: 'closed', signaling: 'closed' };
}

// startLine (re)establishes the persistent audio line after a welcome: a
// new page, a failed or closed line, or a server that lost our state
// (resumed false) gets a new RTCPeerConnection and a new rtcOffer, which
// replaces the agent's previous one on the server.
async function startLine(force) {
  const healthy = pc && !['failed', 'closed'].includes(pc.connectionState);
  if (healthy && !force) return;
  closeLine();
  const gen = pcGen;
  const stream = await ensureMicrophone();
  if (gen !== pcGen || state.ws !== 'open') return;
  const conn = new RTCPeerConnection({ iceServers: [] });
  pc = conn;
  const track = stream ? stream.getAudioTracks()[0] : null;
  const tr = track
    ? conn.addTransceiver(track, { direction: 'sendrecv', streams: [stream] })
    : conn.addTransceiver('audio', { direction: 'sendrecv' });
  sender = tr.sender;
  if (sender.dtmf) {
    sender.dtmf.ontonechange = (ev) => {
      if (ev.tone) state.dtmf.played += ev.tone;
      render();
    };
  }
  const update = () => {
    if (gen !== pcGen) return;
    state.pc.connection = conn.connectionState;
    state.pc.ice = conn.iceConnectionState;
    state.pc.signaling = conn.signalingState;
    state.pc.gathering = conn.iceGatheringState;
    render();
  };
  conn.onconnectionstatechange = () => {
    update();
    logEvent('local', 'audio line', { info: conn.connectionState });
    if (conn.connectionState === 'failed') scheduleReoffer(gen);
  };
  conn.oniceconnectionstatechange = update;
  conn.onsignalingstatechange = update;
  conn.onicegatheringstatechange = update;
  conn.ontrack = (ev) => {
    const audio = $('remote-audio');
    audio.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
    audio.play().catch(() => { /* autoplay policy: the element still plays once allowed */ });
    state.pc.remoteTrack = true;
    render();
  };
  update();
  try {
    const offer = await conn.createOffer();
    await conn.setLocalDescription(offer);
    await iceGatheringComplete(conn);
    if (gen !== pcGen) return;
    state.pc.offers++;
    state.pc.error = null;
    const ack = await request('rtcOffer', { sdp: conn.localDescription.sdp });
    if (gen !== pcGen) return;
    if (!ack.sdp) throw Object.assign(new Error('the rtcOffer ack has no sdp'), { code: 'no_answer' });
    await conn.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    state.pc.answers++;
    update();
  } catch (err) {
    if (gen !== pcGen) return;
    state.pc.error = `${err.code ? err.code + ': ' : ''}${err.message}`;
    if (!err.code) setError('rtc', 'webrtc', err.message);
    render();
  }
}

function iceGatheringComplete(conn) {
  if (conn.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (conn.iceGatheringState !== 'complete') return;
      conn.removeEventListener('icegatheringstatechange', done);
      clearTimeout(timer);
      resolve();
    };
    // Send what was gathered if gathering hangs (there are no STUN servers to wait for).
    const timer = setTimeout(() => {
      conn.removeEventListener('icegatheringstatechange', done);
      resolve();
    }, ICE_GATHER_TIMEOUT_MS);
    conn.addEventListener('icegatheringstatechange', done);
  });
}

function scheduleReoffer(gen) {
  clearTimeout(reofferTimer);
  reofferTimer = setTimeout(() => {
    if (gen === pcGen && state.ws === 'open') startLine(true);
  }, 2000);
}

// ---------------------------------------------------------------- actions

function act(type, fields) {
  return request(type, fields).catch(() => { /* shown as lastError */ });
}

async function contactAction(testid, c, li) {
  const contactId = c.contactId;
  switch (testid) {
    case 'accept': return act('accept', { contactId });
    case 'reject': return act('reject', { contactId });
    case 'hangup': return act('endContact', { contactId });
    case 'complete-acw': return act('completeAcw', { contactId });
    case 'hold':
    case 'unhold': {
      const ok = await request(testid, { contactId }).then(() => true, () => false);
      if (ok && state.contacts.has(contactId)) upsertContact(contactId, { onHold: testid === 'hold' });
      render();
      return;
    }
    case 'mute':
    case 'unmute': {
      const ok = await request(testid, { contactId }).then(() => true, () => false);
      if (ok && state.contacts.has(contactId)) upsertContact(contactId, { muted: testid === 'mute' });
      render();
      return;
    }
    case 'dtmf-send-inband': return insertDTMF($('dtmf-digits', li).value.trim());
    case 'dtmf-send-server': {
      const digits = $('dtmf-digits', li).value.trim();
      if (!digits) return setError('sendDigits', 'invalid', 'no digits to send');
      return act('sendDigits', { contactId, digits });
    }
    case 'transfer': {
      const kind = $('transfer-kind', li).value;
      const target = $('transfer-target', li).value.trim();
      if (!target) return setError('transfer', 'invalid', 'no transfer target');
      return act('transfer', { contactId, [kind]: target });
    }
    // A consultation (warm transfer): the caller waits on hold while the
    // agent talks to the third party, then conference, cancel, or hang up
    // to hand the caller over.
    case 'consult': {
      const kind = $('consult-kind', li).value;
      const target = $('consult-target', li).value.trim();
      if (!target) return setError('consult', 'invalid', 'no consult target');
      const ack = await request('consult', { contactId, [kind]: target }).catch(() => null);
      if (ack && state.contacts.has(contactId)) {
        upsertContact(contactId, { consult: { contactId: ack.nextContactId, conference: false }, consultFailed: null });
      }
      render();
      return;
    }
    case 'conference': {
      const ok = await request('conference', { contactId }).then(() => true, () => false);
      const c = state.contacts.get(contactId);
      if (ok && c && c.consult) upsertContact(contactId, { consult: { ...c.consult, conference: true } });
      render();
      return;
    }
    case 'cancel-consult': {
      const ok = await request('cancelConsult', { contactId }).then(() => true, () => false);
      if (ok && state.contacts.has(contactId)) upsertContact(contactId, { consult: null });
      render();
      return;
    }
    default:
      if (testid.startsWith('dtmf-key-')) {
        const key = li.querySelector(`[data-testid="${testid}"]`).dataset.key;
        $('dtmf-digits', li).value += key;
        return insertDTMF(key);
      }
  }
}

// insertDTMF sends digits as RFC 4733 telephone-events on the audio line.
function insertDTMF(digits) {
  if (!digits) return setError('dtmf', 'invalid', 'no digits to send');
  if (!/^[0-9A-D*#,]+$/i.test(digits)) return setError('dtmf', 'invalid', `not DTMF digits: ${digits}`);
  if (!sender || !sender.dtmf) return setError('dtmf', 'no_line', 'there is no audio line to send DTMF on');
  if (!sender.dtmf.canInsertDTMF) return setError('dtmf', 'cannot_insert', 'the audio line cannot send DTMF now (not connected, or no telephone-event)');
  try {
    sender.dtmf.insertDTMF(digits, 100, 70);
  } catch (err) {
    return setError('dtmf', err.name, err.message);
  }
  state.dtmf.inserted += digits;
  logEvent('local', 'dtmf', { info: digits });
  render();
}

// ---------------------------------------------------------------- rendering

const KEYS = [['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5'], ['6', '6'], ['7', '7'], ['8', '8'], ['9', '9'],
  ['*', 'star'], ['0', '0'], ['#', 'pound']];

function contactElement(c) {
  const list = $('contacts');
  let li = list.querySelector(`li[data-contact-id="${CSS.escape(c.contactId)}"]`);
  if (li) return li;
  li = document.getElementById('contact-template').content.firstElementChild.cloneNode(true);
  li.dataset.contactId = c.contactId;
  const pad = $('dtmf-keypad', li);
  for (const [key, name] of KEYS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = key;
    b.dataset.key = key;
    b.dataset.testid = `dtmf-key-${name}`;
    pad.appendChild(b);
  }
  for (const el of li.querySelectorAll('[data-testid]')) {
    if (el !== li) el.dataset.contactId = c.contactId;
  }
  list.appendChild(li);
  return li;
}

function render() {
  $('login-form').hidden = state.phase !== 'login';
  $('console').hidden = state.phase === 'login';
  $('agent-name').textContent = state.agent ? `${state.agent.displayName || state.agent.username} (${state.agent.username})` : (session ? session.username : '');
  $('agent-status').textContent = state.status;
  $('agent-status').dataset.status = state.status;
  $('agent-system').textContent = state.system || '';
  $('ws-state').textContent = state.ws;
  $('pc-state').textContent = state.pc.error ? `${state.pc.connection} (${state.pc.error})` : state.pc.connection;
  $('pc-state').dataset.state = state.pc.connection;
  $('mic-state').textContent = state.mic ? (state.mic.error || `${state.mic.label || 'audio'} (${state.mic.readyState})`) : 'none';
  $('last-error').textContent = state.lastError ? `${state.lastError.source}: ${state.lastError.code ? state.lastError.code + ': ' : ''}${state.lastError.message}` : '';
  for (const b of [$('status-available'), $('status-offline'), $('status-other-set'), $('dial')]) {
    b.disabled = state.ws !== 'open' || state.phase !== 'ready';
  }
  $('status-available').setAttribute('aria-pressed', String(state.status === 'Available'));
  $('status-offline').setAttribute('aria-pressed', String(state.status === 'Offline'));

  const list = $('contacts');
  for (const li of [...list.children]) {
    if (!state.contacts.has(li.dataset.contactId)) li.remove();
  }
  $('no-contacts').hidden = state.contacts.size > 0;
  for (const c of state.contacts.values()) {
    const li = contactElement(c);
    const voice = c.channel === 'VOICE';
    li.dataset.state = c.state;
    li.dataset.channel = c.channel || '';
    $('contact-channel', li).textContent = c.channel || '';
    $('contact-id', li).textContent = c.contactId;
    $('contact-state', li).textContent = c.state;
    $('contact-hold', li).textContent = c.onHold ? 'on hold' : '';
    $('contact-mute', li).textContent = c.muted ? 'muted' : '';
    $('contact-consult', li).textContent = c.consult
      ? `${c.consult.conference ? 'conference' : 'consulting'} ${c.consult.contactId || ''}`
      : (c.consultFailed ? `consultation failed: ${c.consultFailed}` : '');
    for (const part of li.querySelectorAll('[data-part="offer"]')) part.hidden = c.state !== 'Pending';
    for (const part of li.querySelectorAll('[data-part="connected"]')) part.hidden = c.state !== 'Connected';
    for (const part of li.querySelectorAll('[data-part="voice"]')) part.hidden = !voice;
    for (const part of li.querySelectorAll('[data-part="voice-connected"]')) part.hidden = !(voice && c.state === 'Connected');
    for (const part of li.querySelectorAll('[data-part="acw"]')) part.hidden = c.state !== 'AfterContactWork';
    $('hold', li).hidden = !!c.onHold;
    $('unhold', li).hidden = !c.onHold;
    $('mute', li).hidden = !!c.muted;
    $('unmute', li).hidden = !c.muted;
  }
}

// ---------------------------------------------------------------- test API

// listen analyses what the agent hears (the remote audio line) for ms
// milliseconds (listen.js: the RMS and each tone's amplitude), so that a
// test can tell whose tone reaches the agent.
function listen(ms = 1000, freqs = []) {
  return listenStream($('remote-audio').srcObject, ms, freqs);
}

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function snapshot() {
  return clone({
    phase: state.phase,
    agent: state.agent,
    status: state.status,
    system: state.system,
    profile: state.profile,
    contacts: [...state.contacts.values()],
    ws: state.ws,
    welcomes: state.welcomes,
    resumed: state.resumed,
    reconnects: state.reconnects,
    replaced: state.replaced,
    pc: state.pc,
    mic: state.mic,
    dtmf: state.dtmf,
    login: state.login,
    lastError: state.lastError,
    errors: state.errors,
    requests: state.requests,
    requestCount: state.requestCount,
    lastSeq: session ? session.lastSeq : null,
    log: state.log,
  });
}

// stats reads the audio line's RTP statistics (what the e2e tests assert on).
async function stats() {
  if (!pc) return { connectionState: 'none', inbound: null, outbound: null };
  const report = await pc.getStats();
  const byID = new Map();
  report.forEach((s) => byID.set(s.id, s));
  const codec = (id) => {
    const c = id && byID.get(id);
    return c ? { mimeType: c.mimeType, clockRate: c.clockRate, payloadType: c.payloadType } : null;
  };
  let inbound = null;
  let outbound = null;
  let pair = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      const cd = codec(s.codecId);
      inbound = { ssrc: s.ssrc, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
        packetsLost: s.packetsLost || 0, jitter: s.jitter, audioLevel: s.audioLevel, totalAudioEnergy: s.totalAudioEnergy,
        totalSamplesDuration: s.totalSamplesDuration, totalSamplesReceived: s.totalSamplesReceived,
        concealedSamples: s.concealedSamples, mimeType: cd && cd.mimeType, codec: cd };
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      const cd = codec(s.codecId);
      outbound = { ssrc: s.ssrc, packetsSent: s.packetsSent || 0, bytesSent: s.bytesSent || 0, mimeType: cd && cd.mimeType, codec: cd };
    } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      const l = byID.get(s.localCandidateId);
      const r = byID.get(s.remoteCandidateId);
      pair = { local: l && `${l.address}:${l.port}/${l.protocol}`, remote: r && `${r.address}:${r.port}/${r.protocol}`,
        currentRoundTripTime: s.currentRoundTripTime };
    }
  });
  return clone({ connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState, inbound, outbound, pair,
    dtmf: state.dtmf });
}

const api = Object.freeze({
  get phase() { return state.phase; },
  get status() { return state.status; },
  get system() { return state.system; },
  get contacts() { return clone([...state.contacts.values()]); },
  get ws() { return state.ws; },
  get pcState() { return state.pc.connection; },
  get mic() { return clone(state.mic); },
  get lastError() { return clone(state.lastError); },
  get log() { return clone(state.log); },
  get requests() { return clone(state.requests); },
  snapshot,
  stats,
  listen,
});
Object.defineProperty(window, 'softphone', { value: api, writable: false, configurable: false, enumerable: true });

// ---------------------------------------------------------------- wiring

function init() {
  const params = new URLSearchParams(location.search);
  const instance = params.get('instance');
  if (instance) $('login-instance').value = instance;
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    login($('login-instance').value.trim(), $('login-username').value.trim(), $('login-password').value);
  });
  $('status-available').addEventListener('click', () => act('setState', { status: 'Available' }));
  $('status-offline').addEventListener('click', () => act('setState', { status: 'Offline' }));
  $('status-other-set').addEventListener('click', () => {
    const status = $('status-other').value.trim();
    if (!status) return setError('setState', 'invalid', 'no status');
    act('setState', { status });
  });
  $('logout').addEventListener('click', () => logout());
  $('dial').addEventListener('click', () => {
    const phoneNumber = $('dial-number').value.trim();
    if (!phoneNumber) return setError('dial', 'invalid', 'no phone number');
    const queueId = $('dial-queue').value.trim();
    act('dial', queueId ? { phoneNumber, queueId } : { phoneNumber });
  });
  $('contacts').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-testid]');
    const li = ev.target.closest('li[data-contact-id]');
    if (!b || !li) return;
    const c = state.contacts.get(li.dataset.contactId);
    if (c) contactAction(b.dataset.testid, c, li);
  });
  if (session) {
    // A reload: reattach to the agent's session, with a new audio line.
    state.phase = 'connecting';
    logEvent('local', 'restore session', { info: `${session.username}@${session.instanceId}` });
    ensureMicrophone();
    connect();
  }
  render();
}

init();
