// What the browser drivers share (agent.mjs on the test softphone page,
// ccp-voice.mjs on the console's CCP), for the Go e2e tests
// (test/e2e/browser): headless Chromium with a fake microphone, and the
// line protocol the Go side speaks.
//
// The protocol: the driver opens its page and prints {"ok":true,"ready":true,...};
// then it reads one JSON command per line on stdin and answers each with
// one JSON line on stdout, {"ok":true,...} or {"ok":false,"error":"..."}, in
// order; {"cmd":"quit"} (or the end of stdin) closes Chromium and exits.
// Logs and the page's console go to stderr.
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// logger returns a log function whose lines (on stderr) start with name
// and the time.
export function logger(name) {
  return (...args) => process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 23)}] ${args.join(' ')}\n`);
}

// launch starts headless Chromium in a fresh profile with a fake
// microphone (FAKE_AUDIO_FILE, a WAV looped, when set; else Chromium's
// beep), the microphone permission granted, WebRTC on loopback and
// autoplay allowed, and returns its context and first page, whose console
// goes to log.
export async function launch({ viewport, log }) {
  // launchPersistentContext takes the fresh profile directory itself
  // (Playwright refuses --user-data-dir in args).
  const userDataDir = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--autoplay-policy=no-user-gesture-required',
        ...(process.env.FAKE_AUDIO_FILE ? [`--use-file-for-fake-audio-capture=${process.env.FAKE_AUDIO_FILE}`] : []),
      ],
      permissions: ['microphone'],
      viewport,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
  page.on('crash', () => log('the page crashed'));
  return { context, page, browser: context.browser(), userDataDir };
}

// serve runs a driver: start() launches the browser and opens the page
// (it returns what launch returned, plus ready: extra fields of the ready
// line), then each command goes to run(command), whose result is the
// answer's fields; a thrown error answers {"ok":false} with its first line.
export function serve({ log, start, run }) {
  let session = null;
  let closing = false;
  async function shutdown(code) {
    if (closing) return;
    closing = true;
    try { if (session) await session.context.close(); } catch (e) { log(`close: ${e.message}`); }
    try { if (session) rmSync(session.userDataDir, { recursive: true, force: true }); } catch { /* best effort */ }
    process.exit(code);
  }
  async function main() {
    try {
      session = await start();
    } catch (e) {
      out({ ok: false, error: `start: ${e.message}` });
      await shutdown(1);
      return;
    }
    out({ ok: true, ready: true, ...(session.ready || {}), chromium: session.browser ? session.browser.version() : '' });
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    // One command at a time, in order.
    for await (const line of rl) {
      if (!line.trim()) continue;
      let c;
      try {
        c = JSON.parse(line);
      } catch (e) {
        out({ ok: false, error: `bad command line: ${e.message}` });
        continue;
      }
      try {
        const r = await run(c);
        out({ ok: true, ...r });
      } catch (e) {
        out({ ok: false, error: String(e && e.message ? e.message.split('\n')[0] : e) });
      }
      if (c.cmd === 'quit') break;
    }
    await shutdown(0);
  }
  process.on('SIGTERM', () => shutdown(143));
  main();
}
