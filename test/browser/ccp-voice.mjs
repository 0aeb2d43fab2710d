// Plays an agent in headless Chromium on the web console's Contact Control
// Panel (/ccp, web/src/ccp) for the Go e2e test test/e2e/ccp_voice_test.go
// (TestCCPVoice), which runs it through test/e2e/browser (StartScript):
//
//   node ccp-voice.mjs <CCP URL, e.g. http://127.0.0.1:8080/ccp?instance=alias>
//
// Chromium, its fake microphone (FAKE_AUDIO_FILE) and the line protocol are
// driver.mjs's: one JSON command per line on stdin, one JSON answer per line
// on stdout. Every action goes through the CCP's UI (clicks and typing on
// data-testid elements) and waits for what the UI shows next; a wait that
// times out says what the CCP showed instead (its error banner, its
// connection and audio line, its contacts). Only the measurements reach
// under the UI: the remote audio the page plays (<audio data-testid=
// "remote-audio">) and the RTP statistics of its RTCPeerConnection (tracked
// by an init script, since the CCP does not expose it).
//
// Commands (contactId is optional: the default is the first contact card,
// or the first offer):
//   {"cmd":"login","username","password","instance"?}        → {agent}
//   {"cmd":"setState","status"}                               → {status}
//   {"cmd":"waitFor","what","contactId"?,"timeoutMs"?}        → {contactId, channel, state} or {state}
//        what: offer | contact:<state> | idle | line:<state> | status:<name>
//   {"cmd":"accept","contactId"?}                             → {contactId}  (the card shows Connected)
//   {"cmd":"mute"|"unmute"|"hold"|"unhold","contactId"?}      → {contactId}  (the card shows it)
//   {"cmd":"key","digit","contactId"?}                        → {played}     (the line played the tone)
//   {"cmd":"hangup","contactId"?}                             → {contactId, timer}  (after-contact work)
//   {"cmd":"acwTimer","contactId"?}                           → {timer}
//   {"cmd":"acwNotes","notes","contactId"?}                   → {contactId}  (typed in the notes)
//   {"cmd":"completeAcw","notes"?,"contactId"?}               → {contactId}  (the card is gone)
//   {"cmd":"dial","phoneNumber","queueId"?}                   → {contactId, state}
//   {"cmd":"listen","ms","hz":[...]}                          → {rms, levels: {hz: amplitude}, frames}
//   {"cmd":"stats"}                                           → {stats: {connectionState, inbound, outbound, pair}}
//   {"cmd":"state"}                                           → {state}  (what the CCP shows)
//   {"cmd":"screenshot","path","width"?,"height"?}            → {path}
//   {"cmd":"quit"}
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launch, logger, out, serve } from './driver.mjs';

const pageURL = process.argv[2];
const DEFAULT_TIMEOUT_MS = 15000;
const VIEWPORT = { width: 1280, height: 800 };
const log = logger('ccp-voice.mjs');

if (!pageURL) {
  out({ ok: false, error: 'usage: node ccp-voice.mjs <CCP URL>' });
  process.exit(2);
}

let page;

// trackPeerConnections runs in the page before its scripts: it keeps every
// RTCPeerConnection the page makes, for stats.
function trackPeerConnections() {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const made = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      made.push(this);
    }
  };
  Object.defineProperty(window, '__sbPeerConnections', { value: made });
}

async function start() {
  const session = await launch({ viewport: VIEWPORT, log });
  page = session.page;
  await session.context.addInitScript(trackPeerConnections);
  await page.goto(pageURL, { waitUntil: 'load' });
  await page.locator('[data-testid="login-form"], [data-testid="ccp"]').first().waitFor({ timeout: DEFAULT_TIMEOUT_MS });
  return { ...session, ready: { url: pageURL } };
}

// snapshot is what the CCP shows, read from its data-testid elements.
const snapshot = () => page.evaluate(() => {
  const q = (s, root = document) => root.querySelector(s);
  const text = (s, root) => q(s, root)?.textContent ?? null;
  const attr = (s, a) => q(s)?.getAttribute(a) ?? null;
  return {
    loggedIn: !!q('[data-testid="ccp"]'),
    loginError: text('[data-testid="login-error"]'),
    connection: attr('[data-testid="connection"]', 'data-state'),
    line: attr('[data-testid="audio-line"]', 'data-state'),
    lineError: text('[data-testid="audio-error"]'),
    status: attr('[data-testid="agent-status"]', 'data-status'),
    error: text('[data-testid="ccp-error"]'),
    offers: [...document.querySelectorAll('[data-testid="offer"]')].map((o) => ({
      contactId: o.getAttribute('data-contact-id'), channel: o.getAttribute('data-channel') })),
    contacts: [...document.querySelectorAll('[data-testid^="contact-"][data-contact-id]')].map((c) => ({
      contactId: c.getAttribute('data-contact-id'), state: c.getAttribute('data-state'), channel: c.getAttribute('data-channel'),
      onHold: !!q('[data-testid="on-hold"]', c), muted: !!q('[data-testid="muted"]', c),
      label: text('[data-testid="contact-state"]', c), acwTimer: text('[data-testid="acw-timer"]', c),
      dtmfPlayed: q('[data-testid="dtmf-keypad"]', c)?.getAttribute('data-dtmf-played') ?? null })),
  };
});

// describe summarises a snapshot for an error message.
function describe(s) {
  const parts = [`logged in ${s.loggedIn}`, `connection ${s.connection}`, `audio line ${s.line}`, `status ${s.status}`,
    `offers ${JSON.stringify(s.offers.map((o) => [o.contactId, o.channel]))}`,
    `contacts ${JSON.stringify(s.contacts.map((c) => [c.contactId, c.channel, c.state, c.onHold ? 'on hold' : '', c.muted ? 'muted' : '']))}`];
  if (s.error) parts.push(`error banner ${JSON.stringify(s.error)}`);
  if (s.lineError) parts.push(`audio error ${JSON.stringify(s.lineError)}`);
  if (s.loginError) parts.push(`login error ${JSON.stringify(s.loginError)}`);
  return parts.join(', ');
}

// until polls the CCP's snapshot until pred returns a truthy value, which
// it returns; on timeout it throws, naming what it waited for and what the
// CCP showed.
async function until(what, pred, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await snapshot();
    const r = pred(s);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (the CCP shows: ${describe(s)})`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const card = (s, contactId) => (contactId ? s.contacts.find((c) => c.contactId === contactId) : s.contacts[0]);

// contactOf resolves the contact a command is about: the one named, or the
// first card shown.
async function contactOf(c) {
  if (c.contactId) return String(c.contactId);
  const k = await until('a contact card', (s) => s.contacts[0]);
  return k.contactId;
}

// clickIn clicks the testid element of contact id's card.
async function clickIn(id, testid, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const loc = page.locator(`[data-testid="contact-${id}"] [data-testid="${testid}"]`);
  try {
    await loc.click({ timeout: timeoutMs });
  } catch (e) {
    throw new Error(`no ${testid} button to click on contact ${id}: ${e.message.split('\n')[0]} (the CCP shows: ${describe(await snapshot())})`);
  }
}

// The card's badge for each voice control, and the state it waits for.
const toggles = {
  mute: ['mute', 'muted', (k) => k.muted],
  unmute: ['unmute', 'not muted', (k) => !k.muted],
  hold: ['hold', 'on hold', (k) => k.onHold],
  unhold: ['unhold', 'resumed', (k) => !k.onHold],
};

const keyName = { '*': 'star', '#': 'pound' };

// listenInPage measures for ms what the agent hears (the stream the CCP's
// <audio data-testid="remote-audio"> plays), with the measure of the test
// softphone page: listen.js, which the server that serves the CCP also
// serves under /softphone/ (internal/testphone).
async function listenInPage([ms, freqs]) {
  const { listen } = await import('/softphone/listen.js');
  return listen(document.querySelector('[data-testid="remote-audio"]')?.srcObject, ms, freqs);
}

// statsInPage reads the RTP statistics of the page's live audio line (its
// last RTCPeerConnection that is not closed), in the shape of the test
// softphone page's window.softphone.stats().
async function statsInPage() {
  const pcs = (window.__sbPeerConnections || []).filter((p) => p.connectionState !== 'closed');
  const pc = pcs[pcs.length - 1];
  if (!pc) return { connectionState: 'none', inbound: null, outbound: null };
  const report = await pc.getStats();
  const byID = new Map();
  report.forEach((s) => byID.set(s.id, s));
  const mime = (id) => (id && byID.get(id) ? byID.get(id).mimeType : null);
  let inbound = null;
  let outbound = null;
  let pair = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      inbound = { packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0, packetsLost: s.packetsLost || 0,
        audioLevel: s.audioLevel, totalAudioEnergy: s.totalAudioEnergy, mimeType: mime(s.codecId) };
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      outbound = { packetsSent: s.packetsSent || 0, bytesSent: s.bytesSent || 0, mimeType: mime(s.codecId) };
    } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      const l = byID.get(s.localCandidateId);
      const r = byID.get(s.remoteCandidateId);
      pair = { local: l && `${l.address}:${l.port}/${l.protocol}`, remote: r && `${r.address}:${r.port}/${r.protocol}` };
    }
  });
  return { connectionState: pc.connectionState, peerConnections: pcs.length, inbound, outbound, pair };
}

async function run(c) {
  const timeoutMs = Number(c.timeoutMs) || DEFAULT_TIMEOUT_MS;
  switch (c.cmd) {
    case 'login': {
      await page.getByTestId('login-form').waitFor({ timeout: timeoutMs });
      if (c.instance !== undefined) await page.getByTestId('login-instance').fill(String(c.instance));
      await page.getByTestId('login-username').fill(String(c.username ?? ''));
      await page.getByTestId('login-password').fill(String(c.password ?? ''));
      await page.getByTestId('login-submit').click();
      const s = await until('the CCP after login', (st) => {
        if (st.loginError) throw new Error(`login refused: ${st.loginError}`);
        return st.loggedIn && st.connection === 'ready' && st;
      }, timeoutMs);
      return { agent: await page.getByTestId('agent-name').textContent(), status: s.status };
    }
    case 'setState': {
      const status = String(c.status || '');
      await page.getByTestId('status-select').selectOption(status, { timeout: timeoutMs });
      await until(`status ${status}`, (s) => s.status === status, timeoutMs);
      return { status };
    }
    case 'waitFor': {
      const what = String(c.what || '');
      if (what === 'offer') {
        const o = await until('an offer', (s) => s.offers.find((x) => !c.contactId || x.contactId === c.contactId), timeoutMs);
        return { contactId: o.contactId, channel: o.channel };
      }
      if (what === 'idle') return { state: await until('no contacts', (s) => s.contacts.length === 0 && s.offers.length === 0 && s, timeoutMs) };
      const i = what.indexOf(':');
      const [kind, value] = [what.slice(0, i), what.slice(i + 1)];
      switch (kind) {
        case 'contact': {
          const k = await until(`a contact in ${value}`, (s) => s.contacts.find((x) => (!c.contactId || x.contactId === c.contactId) && x.state === value), timeoutMs);
          return { contactId: k.contactId, channel: k.channel, state: k.state };
        }
        case 'line':
          return { state: await until(`the audio line ${value}`, (s) => s.line === value && s, timeoutMs) };
        case 'status':
          return { state: await until(`status ${value}`, (s) => s.status === value && s, timeoutMs) };
        default:
          throw new Error(`waitFor: unknown what ${JSON.stringify(what)}`);
      }
    }
    case 'accept': {
      const o = await until('an offer', (s) => s.offers.find((x) => !c.contactId || x.contactId === c.contactId), timeoutMs);
      await page.locator(`[data-testid="offer"][data-contact-id="${o.contactId}"] [data-testid="offer-accept"]`).click({ timeout: timeoutMs });
      await until(`contact ${o.contactId} connected`, (s) => card(s, o.contactId)?.state === 'Connected', timeoutMs);
      return { contactId: o.contactId };
    }
    case 'mute': case 'unmute': case 'hold': case 'unhold': {
      const id = await contactOf(c);
      const [testid, what, done] = toggles[c.cmd];
      await clickIn(id, testid, timeoutMs);
      await until(`contact ${id} ${what}`, (s) => {
        const k = card(s, id);
        return k && k.state === 'Connected' && done(k);
      }, timeoutMs);
      return { contactId: id };
    }
    case 'key': {
      const id = await contactOf(c);
      const digit = String(c.digit || '');
      const before = (await until(`the keypad of ${id}`, (s) => card(s, id)?.dtmfPlayed != null && card(s, id), timeoutMs)).dtmfPlayed;
      await clickIn(id, `dtmf-key-${keyName[digit] || digit}`, timeoutMs);
      const played = await until(`the line to play ${digit}`, (s) => {
        const p = card(s, id)?.dtmfPlayed ?? '';
        return p.length > before.length && p.endsWith(digit) && p;
      }, timeoutMs);
      return { contactId: id, played };
    }
    case 'hangup': {
      const id = await contactOf(c);
      await clickIn(id, 'hangup', timeoutMs);
      const k = await until(`contact ${id} in after-contact work`, (s) => {
        const x = card(s, id);
        return x && x.state === 'AfterContactWork' && x.acwTimer && x;
      }, timeoutMs);
      return { contactId: id, timer: k.acwTimer };
    }
    case 'acwTimer': {
      const id = await contactOf(c);
      const k = await until(`the after-contact work of ${id}`, (s) => card(s, id)?.acwTimer && card(s, id), timeoutMs);
      return { contactId: id, timer: k.acwTimer };
    }
    case 'acwNotes': {
      const id = await contactOf(c);
      await page.locator(`[data-testid="contact-${id}"] [data-testid="acw-notes"]`).fill(String(c.notes ?? ''), { timeout: timeoutMs });
      return { contactId: id };
    }
    case 'completeAcw': {
      const id = await contactOf(c);
      if (c.notes !== undefined) {
        await page.locator(`[data-testid="contact-${id}"] [data-testid="acw-notes"]`).fill(String(c.notes), { timeout: timeoutMs });
      }
      await clickIn(id, 'acw-complete', timeoutMs);
      await until(`contact ${id} to close`, (s) => !card(s, id), timeoutMs);
      return { contactId: id };
    }
    case 'dial': {
      const before = new Set((await snapshot()).contacts.map((k) => k.contactId));
      await page.getByTestId('dial-number').fill(String(c.phoneNumber || ''));
      await page.getByTestId('dial-queue').fill(String(c.queueId || ''));
      await page.getByTestId('dial').click({ timeout: timeoutMs });
      const k = await until('the dialled call', (s) => s.contacts.find((x) => x.channel === 'VOICE' && !before.has(x.contactId)), timeoutMs);
      return { contactId: k.contactId, state: k.state };
    }
    case 'listen': {
      const hz = Array.isArray(c.hz) ? c.hz.map(Number) : [];
      const r = await page.evaluate(listenInPage, [Number(c.ms) || 1000, hz]);
      if (r.error) throw new Error(`listen: ${r.error}`);
      return r;
    }
    case 'stats':
      return { stats: await page.evaluate(statsInPage) };
    case 'state':
      return { state: await snapshot() };
    case 'screenshot': {
      if (!c.path) throw new Error('screenshot: no path');
      mkdirSync(dirname(String(c.path)), { recursive: true });
      const size = c.width && c.height ? { width: Number(c.width), height: Number(c.height) } : null;
      if (size) {
        await page.setViewportSize(size);
        await page.waitForTimeout(300); // the layout settles
      }
      try {
        await page.screenshot({ path: String(c.path), fullPage: true });
      } finally {
        if (size) await page.setViewportSize(VIEWPORT);
      }
      return { path: c.path };
    }
    case 'quit':
      return {};
    default:
      throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
  }
}

serve({ log, start, run });
