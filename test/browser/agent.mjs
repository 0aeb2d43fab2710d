// Plays an agent in headless Chromium on Switchboard's test softphone page
// (internal/testphone, served at /softphone/), for the Go e2e tests
// (test/e2e/browser).
//
//   node agent.mjs <page URL>        (or SOFTPHONE_URL=<page URL> node agent.mjs)
//
// It launches Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with a fake
// microphone (driver.mjs), opens the page, prints {"ok":true,"ready":true,...} and then
// reads one JSON command per line on stdin, answering each with one JSON
// line on stdout: {"ok":true,...} or {"ok":false,"error":"..."}. Commands act
// through the page's UI (clicks on data-testid elements); only state and
// stats read window.softphone. The page's console goes to stderr.
//
// Commands (contactId is optional where it appears: the default is the
// first contact in the state the command needs):
//   {"cmd":"login","instance","username","password"}       → {agent, status}
//   {"cmd":"setState","status"}                             → {status}
//   {"cmd":"waitFor","what","timeoutMs"}                    → {contact} or {state}
//        what: offer | connected | acw | idle | status:<name> | pc:<state> | hold:<true|false> | ws:<state>
//   {"cmd":"click","testid","contactId"?}
//   {"cmd":"accept"|"reject"|"hold"|"unhold"|"mute"|"unmute"|"hangup"|"completeAcw","contactId"?}
//   {"cmd":"dtmf","digits","via":"inband"|"server"?,"contactId"?}
//   {"cmd":"transfer","kind":"queueId"|"agentId"|"quickConnectId"|"phoneNumber","target","contactId"?}
//                                                          → {contactId, nextContactId}
//   {"cmd":"consult","kind":"agentId"|"queueId"|"quickConnectId"|"phoneNumber","target","contactId"?}
//                                                          → {contactId, nextContactId}
//   {"cmd":"conference"|"cancelConsult","contactId"?}      → {contactId}
//   {"cmd":"listen","ms","hz":[...]}                        → {rms, levels: {hz: amplitude}, frames}
//        what the agent hears on the audio line (window.softphone.listen), -1..1 scale
//   {"cmd":"dial","phoneNumber","queueId"?}                 → {contactId}
//   {"cmd":"reload"}                                        → {resumed, status, contacts}
//   {"cmd":"stats"} {"cmd":"state"} {"cmd":"screenshot","path"} {"cmd":"quit"}
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launch, logger, out, serve } from './driver.mjs';

const pageURL = process.argv[2] || process.env.SOFTPHONE_URL;
const DEFAULT_TIMEOUT_MS = 15000;
const log = logger('agent.mjs');

if (!pageURL) {
  out({ ok: false, error: 'usage: node agent.mjs <softphone page URL> (or SOFTPHONE_URL)' });
  process.exit(2);
}

let page;

// start launches Chromium (driver.mjs) on the page and waits for its script.
async function start() {
  const session = await launch({ viewport: { width: 900, height: 1000 }, log });
  page = session.page;
  await page.goto(pageURL, { waitUntil: 'load' });
  await waitDefined(DEFAULT_TIMEOUT_MS);
  return { ...session, ready: { url: pageURL } };
}

// waitDefined waits for the page's script to have set window.softphone.
async function waitDefined(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(() => window.softphone !== undefined))) {
    if (Date.now() > deadline) throw new Error('the page never defined window.softphone (did softphone.js load?)');
    await new Promise((res) => setTimeout(res, 50));
  }
}

const snapshot = () => page.evaluate(() => window.softphone.snapshot());

// light reads the page's state without its event log, for polling.
const light = () => page.evaluate(() => {
  const s = window.softphone.snapshot();
  delete s.log;
  return s;
});

// waitState polls the page's state until pred(state) returns a truthy
// value, which it returns. The predicate runs here, in Node, so that the
// page's Content-Security-Policy (no eval) stays on.
async function waitState(pred, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let s;
  for (;;) {
    s = await light();
    const r = pred(s);
    if (r) return r;
    if (Date.now() > deadline) {
      const err = s.lastError ? `; last error ${s.lastError.source}: ${s.lastError.code} ${s.lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms (status ${s.status}, ws ${s.ws}, audio line ${s.pc.connection}` +
        `${s.pc.error ? ' ' + s.pc.error : ''}, contacts ${JSON.stringify(s.contacts.map((c) => [c.contactId, c.state]))}${err})`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

// contactLocator finds a button (by testid) of a contact: the one named,
// or the first contact whose button is visible.
async function contactButton(testid, contactId) {
  const sel = contactId
    ? `li[data-contact-id="${contactId}"] [data-testid="${testid}"]`
    : `li[data-contact-id] [data-testid="${testid}"]:visible`;
  const loc = page.locator(sel).first();
  await loc.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS }).catch(() => {
    throw new Error(`no visible ${testid} button${contactId ? ' for contact ' + contactId : ''}`);
  });
  return loc;
}

// clickAndAwaitRequest clicks and waits for the request of type the click
// sent to be answered; it resolves with the request's entry, or throws
// with the server's error.
async function clickAndAwaitRequest(loc, type, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const { requestCount: before, errors: errorsBefore } = await light();
  await loc.click({ timeout: timeoutMs });
  const r = await waitState((s) => {
    const req = s.requests.find((q) => q.n > before && q.type === type && q.status !== 'pending');
    if (req) return req;
    // A check in the page refused it before sending (no digits, no target...).
    if (s.errors > errorsBefore && !s.requests.some((q) => q.n > before && q.type === type)) {
      return { status: 'error', code: s.lastError.code, error: s.lastError.message };
    }
    return null;
  }, timeoutMs);
  if (r.status !== 'ok') throw new Error(`${type}: ${r.code ? r.code + ': ' : ''}${r.error || 'failed'}`);
  return r;
}

const contactStates = { offer: 'Pending', connected: 'Connected', acw: 'AfterContactWork' };

async function waitFor(what, timeoutMs) {
  if (contactStates[what]) {
    const contact = await waitState((s) => s.contacts.find((c) => c.state === contactStates[what]), timeoutMs);
    return { contact, contactId: contact.contactId };
  }
  if (what === 'idle') {
    return { state: await waitState((s) => s.contacts.length === 0 && { status: s.status }, timeoutMs) };
  }
  const i = what.indexOf(':');
  if (i < 0) throw new Error(`waitFor: unknown what ${JSON.stringify(what)}`);
  const [kind, value] = [what.slice(0, i), what.slice(i + 1)];
  switch (kind) {
    case 'status':
      return { state: await waitState((s) => s.phase === 'ready' && s.status === value && { status: s.status, system: s.system }, timeoutMs) };
    case 'pc':
      return { state: await waitState((s) => s.pc.connection === value && s.pc, timeoutMs) };
    case 'ws':
      return { state: await waitState((s) => s.ws === value && { ws: s.ws }, timeoutMs) };
    case 'hold': {
      const want = value === 'true';
      const contact = await waitState((s) => s.contacts.find((c) => c.state === 'Connected' && !!c.onHold === want), timeoutMs);
      return { contact, contactId: contact.contactId };
    }
    default:
      throw new Error(`waitFor: unknown what ${JSON.stringify(what)}`);
  }
}

const requestOf = { accept: 'accept', reject: 'reject', hold: 'hold', unhold: 'unhold', mute: 'mute', unmute: 'unmute',
  hangup: 'endContact', completeAcw: 'completeAcw', conference: 'conference', cancelConsult: 'cancelConsult' };
const testidOf = { completeAcw: 'complete-acw', cancelConsult: 'cancel-consult' };

async function run(c) {
  const timeoutMs = c.timeoutMs || DEFAULT_TIMEOUT_MS;
  switch (c.cmd) {
    case 'login': {
      if (!(await page.getByTestId('login-form').isVisible())) throw new Error('login: the login form is not shown (already logged in?)');
      if (c.instance !== undefined) await page.getByLabel('Instance ID').fill(String(c.instance));
      await page.getByLabel('Username').fill(String(c.username ?? ''));
      await page.getByLabel('Password').fill(String(c.password ?? ''));
      const { errors: errorsBefore } = await light();
      await page.getByTestId('login-submit').click();
      const r = await waitState((s) => {
        if (s.phase === 'ready' && s.ws === 'open') return { ok: true, agent: s.agent, status: s.status };
        if (s.errors > errorsBefore && s.phase !== 'ready') return { ok: false, error: `${s.lastError.source}: ${s.lastError.message}` };
        return null;
      }, timeoutMs);
      if (!r.ok) throw new Error(r.error);
      return { agent: r.agent, status: r.status };
    }
    case 'setState': {
      const status = String(c.status || '');
      let loc;
      if (status === 'Available') loc = page.getByTestId('status-available');
      else if (status === 'Offline') loc = page.getByTestId('status-offline');
      else {
        await page.getByTestId('status-other').fill(status);
        loc = page.getByTestId('status-other-set');
      }
      await clickAndAwaitRequest(loc, 'setState', timeoutMs);
      const r = await waitFor(`status:${status}`, timeoutMs);
      return { status: r.state.status };
    }
    case 'waitFor':
      return waitFor(String(c.what || ''), timeoutMs);
    case 'click': {
      const loc = c.contactId
        ? page.locator(`li[data-contact-id="${c.contactId}"] [data-testid="${c.testid}"]`).first()
        : page.getByTestId(String(c.testid)).first();
      await loc.click({ timeout: timeoutMs });
      return {};
    }
    case 'accept': case 'reject': case 'hold': case 'unhold': case 'mute': case 'unmute': case 'hangup': case 'completeAcw':
    case 'conference': case 'cancelConsult': {
      const loc = await contactButton(testidOf[c.cmd] || c.cmd, c.contactId);
      const contactId = await loc.getAttribute('data-contact-id');
      await clickAndAwaitRequest(loc, requestOf[c.cmd], timeoutMs);
      return { contactId };
    }
    case 'dtmf': {
      const digits = String(c.digits || '');
      const field = await contactButton('dtmf-digits', c.contactId);
      const contactId = await field.getAttribute('data-contact-id');
      await field.fill(digits);
      const send = page.locator(`li[data-contact-id="${contactId}"] [data-testid="dtmf-send-${c.via === 'server' ? 'server' : 'inband'}"]`);
      if (c.via === 'server') {
        await clickAndAwaitRequest(send, 'sendDigits', timeoutMs);
        return { contactId, via: 'server' };
      }
      const before = await light();
      await send.click({ timeout: timeoutMs });
      const r = await waitState((s) => {
        if (s.dtmf.inserted.length >= before.dtmf.inserted.length + digits.length) return { ok: true, dtmf: s.dtmf };
        if (s.errors > before.errors) return { ok: false, error: `${s.lastError.code}: ${s.lastError.message}` };
        return null;
      }, timeoutMs);
      if (!r.ok) throw new Error(`dtmf: ${r.error}`);
      return { contactId, via: 'inband', dtmf: r.dtmf };
    }
    case 'transfer': {
      const field = await contactButton('transfer-target', c.contactId);
      const contactId = await field.getAttribute('data-contact-id');
      await page.locator(`li[data-contact-id="${contactId}"] [data-testid="transfer-kind"]`).selectOption(String(c.kind || 'queueId'));
      await field.fill(String(c.target || ''));
      const r = await clickAndAwaitRequest(page.locator(`li[data-contact-id="${contactId}"] [data-testid="transfer"]`), 'transfer', timeoutMs);
      return { contactId, nextContactId: r.nextContactId };
    }
    case 'consult': {
      const field = await contactButton('consult-target', c.contactId);
      const contactId = await field.getAttribute('data-contact-id');
      await page.locator(`li[data-contact-id="${contactId}"] [data-testid="consult-kind"]`).selectOption(String(c.kind || 'agentId'));
      await field.fill(String(c.target || ''));
      const r = await clickAndAwaitRequest(page.locator(`li[data-contact-id="${contactId}"] [data-testid="consult"]`), 'consult', timeoutMs);
      return { contactId, nextContactId: r.nextContactId };
    }
    case 'listen': {
      const ms = Number(c.ms) || 1000;
      const hz = Array.isArray(c.hz) ? c.hz.map(Number) : [];
      const r = await page.evaluate(([m, f]) => window.softphone.listen(m, f), [ms, hz]);
      if (r.error) throw new Error(`listen: ${r.error}`);
      return r;
    }
    case 'dial': {
      await page.getByTestId('dial-number').fill(String(c.phoneNumber || ''));
      await page.getByTestId('dial-queue').fill(String(c.queueId || ''));
      await clickAndAwaitRequest(page.getByTestId('dial'), 'dial', timeoutMs);
      return {};
    }
    case 'reload': {
      const { welcomes: before } = await light();
      await page.reload({ waitUntil: 'load' });
      await waitDefined(timeoutMs);
      if (before === 0) return { state: await light() };
      const s = await waitState((st) => st.phase === 'ready' && st.welcomes > 0 && st, timeoutMs);
      return { resumed: s.resumed, status: s.status, contacts: s.contacts, lastSeq: s.lastSeq };
    }
    case 'stats':
      return { stats: await page.evaluate(() => window.softphone.stats()) };
    case 'state':
      return { state: await snapshot() };
    case 'screenshot': {
      if (!c.path) throw new Error('screenshot: no path');
      mkdirSync(dirname(String(c.path)), { recursive: true });
      await page.screenshot({ path: String(c.path), fullPage: true });
      return { path: c.path };
    }
    case 'quit':
      return {};
    default:
      throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
  }
}

serve({ log, start, run });
