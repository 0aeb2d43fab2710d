// Plays a customer in headless Chromium on a website that embeds the chat
// widget (<script src=".../widget.js" data-widget="...">), for the Go e2e
// test test/e2e/widget_browser_test.go (TestChatWidgetOnAWebsite), which
// runs it through test/e2e/browser (StartScript) and serves the website:
//
//   node widget-site.mjs <a website page, e.g. http://127.0.0.1:41234/plain>
//
// Chromium and the line protocol are driver.mjs's: one JSON command per line
// on stdin, one JSON answer per line on stdout. Every action goes through
// the widget's UI (its data-testid elements, in its shadow root, which
// Playwright's locators pierce) and waits for what the widget shows next; a
// wait that times out says what the widget showed instead. The one thing
// read under the UI is the answer to the widget's chat start (POST
// /api/v1/widgets/{id}/chat), for its status and contact ID.
//
// Commands (timeoutMs is optional everywhere; default 15 s):
//   {"cmd":"goto","url"}                → {url, launcher}   (the launcher shows)
//   {"cmd":"open"}                      → {status, contactId, phase, statusText}
//        clicks the launcher, waits for the chat start's answer, then for
//        the chat to open (2xx) or to fail (otherwise)
//   {"cmd":"waitFor","text","from"?}    → {state}  (a message with text, from me|agent|bot|system when given)
//   {"cmd":"waitStatus","text"}         → {state}  (the status line says text)
//   {"cmd":"send","text"}               → {state}  (typed, sent, and back from the server as the customer's)
//   {"cmd":"end"}                       → {state}  (End chat; the widget says the chat has ended)
//   {"cmd":"state"}                     → {state}  (what the widget shows)
//   {"cmd":"screenshot","path","width"?,"height"?} → {path}
//   {"cmd":"quit"}
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launch, logger, out, serve } from './driver.mjs';

const pageURL = process.argv[2];
const DEFAULT_TIMEOUT_MS = 15000;
const VIEWPORT = { width: 1280, height: 800 };
const log = logger('widget-site.mjs');

if (!pageURL) {
  out({ ok: false, error: 'usage: node widget-site.mjs <website page URL>' });
  process.exit(2);
}

let page;
// starts are the answers to the widget's chat starts, in order:
// {status, contactId, error} (status 0: the request failed).
const starts = [];

const isChatStart = (req) => req.method() === 'POST' && /\/api\/v1\/widgets\/[^/]+\/chat$/.test(new URL(req.url()).pathname);

function watch(p) {
  p.on('response', async (res) => {
    if (!isChatStart(res.request())) return;
    const entry = { status: res.status(), contactId: '', error: '' };
    try {
      const body = await res.json();
      entry.contactId = body.ContactId || '';
      entry.error = body.detail || '';
    } catch (e) {
      entry.error = `unreadable answer: ${e.message}`;
    }
    log(`chat start answered ${entry.status} ${entry.contactId || entry.error}`);
    starts.push(entry);
  });
  p.on('requestfailed', (req) => {
    if (!isChatStart(req)) return;
    log(`chat start failed: ${req.failure()?.errorText}`);
    starts.push({ status: 0, contactId: '', error: req.failure()?.errorText || 'failed' });
  });
}

async function goto(url, timeoutMs = DEFAULT_TIMEOUT_MS) {
  await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  // The launcher shows once the widget read its settings (or failed to).
  const launcher = page.getByTestId('widget-launcher');
  await launcher.waitFor({ state: 'visible', timeout: timeoutMs }).catch(async (e) => {
    throw new Error(`no widget launcher on ${url} within ${timeoutMs} ms (${e.message.split('\n')[0]}); the widget shows: ${describe(await snapshot())}`);
  });
  return { url, launcher: (await launcher.textContent()) ?? '' };
}

async function start() {
  const session = await launch({ viewport: VIEWPORT, log });
  page = session.page;
  watch(page);
  const ready = await goto(pageURL, 30000);
  return { ...session, ready };
}

// snapshot is what the widget shows, read from its shadow root.
const snapshot = () => page.evaluate(() => {
  const root = document.querySelector('[data-switchboard-chat]')?.shadowRoot;
  if (!root) return { present: false };
  const q = (s) => root.querySelector(s);
  const panel = q('section.panel');
  return {
    present: true,
    launcher: q('[data-testid="widget-launcher"]')?.textContent ?? null,
    open: !!panel && !panel.hidden,
    phase: q('[data-testid="widget-messages"]')?.getAttribute('data-phase') ?? null,
    status: q('[data-testid="widget-status"]')?.textContent ?? '',
    messages: [...root.querySelectorAll('[data-testid="widget-messages"] > *')].map((m) => ({
      from: m.classList.contains('notice') ? 'notice' : [...m.classList].find((c) => c !== 'msg') ?? '',
      name: m.querySelector('.who')?.textContent ?? '',
      text: m.classList.contains('notice') ? m.textContent : [...m.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(''),
    })),
  };
});

function describe(s) {
  if (!s.present) return 'no widget on the page';
  return `launcher ${JSON.stringify(s.launcher)}, panel ${s.open ? 'open' : 'closed'}, phase ${s.phase}, status ${JSON.stringify(s.status)}, ` +
    `messages ${JSON.stringify(s.messages.map((m) => `${m.from}${m.name ? ` (${m.name})` : ''}: ${m.text}`))}`;
}

// until polls the widget's snapshot until pred returns a truthy value,
// which it returns; on timeout it throws, naming what it waited for and
// what the widget showed.
async function until(what, pred, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await snapshot();
    const r = pred(s);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (the widget shows: ${describe(s)})`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const hasMessage = (s, text, from) => s.messages.some((m) => m.text === text && (!from || m.from === from));

async function run(c) {
  const timeoutMs = c.timeoutMs || DEFAULT_TIMEOUT_MS;
  switch (c.cmd) {
    case 'goto':
      return goto(c.url, timeoutMs);
    case 'open': {
      const before = starts.length;
      await page.getByTestId('widget-launcher').click({ timeout: timeoutMs });
      await until('the answer to the chat start (POST /api/v1/widgets/{id}/chat)', () => starts.length > before, timeoutMs);
      const started = starts[before];
      const ok = started.status >= 200 && started.status < 300;
      const s = await until(ok ? 'the chat to open' : 'the chat to fail', (s) =>
        (ok ? s.phase === 'open' : s.phase === 'error') && s, timeoutMs);
      return { status: started.status, contactId: started.contactId, error: started.error, phase: s.phase, statusText: s.status };
    }
    case 'waitFor':
      return { state: await until(`a message ${JSON.stringify(c.text)}${c.from ? ` from ${c.from}` : ''}`, (s) => hasMessage(s, c.text, c.from) && s, timeoutMs) };
    case 'waitStatus':
      return { state: await until(`the status line to say ${JSON.stringify(c.text)}`, (s) => s.status === c.text && s, timeoutMs) };
    case 'send': {
      await until('the chat to be open', (s) => s.phase === 'open', timeoutMs);
      await page.getByTestId('widget-input').fill(c.text, { timeout: timeoutMs });
      await page.getByTestId('widget-send').click({ timeout: timeoutMs });
      return { state: await until(`the customer's message ${JSON.stringify(c.text)} to come back from the server`, (s) => hasMessage(s, c.text, 'me') && s, timeoutMs) };
    }
    case 'end':
      await page.getByTestId('widget-end').click({ timeout: timeoutMs });
      return { state: await until('the chat to end', (s) => s.phase === 'ended' && s.status.startsWith('The chat has ended') && s, timeoutMs) };
    case 'state':
      return { state: await snapshot() };
    case 'screenshot': {
      if (!c.path) throw new Error('screenshot: path is required');
      mkdirSync(dirname(c.path), { recursive: true });
      const size = page.viewportSize();
      if (c.width && c.height) {
        await page.setViewportSize({ width: c.width, height: c.height });
        await page.waitForTimeout(200); // let the layout settle (the panel goes full screen on phones)
      }
      try {
        await page.screenshot({ path: c.path });
      } finally {
        if (c.width && c.height) await page.setViewportSize(size);
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
