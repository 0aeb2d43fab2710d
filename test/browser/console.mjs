// The web console's end-to-end scenario in headless Chromium, for the Go
// e2e test test/e2e/console_test.go (which starts the binary and passes
// the configuration as JSON in CONSOLE_E2E):
//
//   1. an admin logs in to the console, imports a Connect flow export
//      (the file CONSOLE_E2E.flowFile) on the flows page, opens it in the
//      designer, edits its welcome prompt and its queue, saves, publishes;
//   2. an agent logs in to the CCP in a second browser context;
//   3. a customer opens the chat widget on its try page in a third
//      context, gets the edited welcome and is queued;
//   4. the supervisor view (the admin's context) shows the contact waiting;
//   5. the agent goes Available, accepts, they exchange messages, the agent
//      ends the chat and completes after-contact work.
//
// Every screen is saved as a screenshot in CONSOLE_E2E.artifacts at
// 1280×800, and the main screens at 390×844 too. It prints one JSON line:
// {"ok":true,"steps":[...]} or {"ok":false,"error","step","steps"}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.CONSOLE_E2E || '{}');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const T = 20000;
const steps = [];
let step = 'start';

function log(...args) {
  process.stderr.write(`[console.mjs ${new Date().toISOString().slice(11, 23)}] ${args.join(' ')}\n`);
}

const dirs = [];
async function newContext(name, viewport = { width: 1280, height: 800 }) {
  const dir = mkdtempSync(join(tmpdir(), `sb-console-${name}-`));
  dirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath,
    headless: true,
    viewport,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
    permissions: ['microphone'],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on('console', (m) => { if (m.type() === 'error') log(`${name} console.error: ${m.text()}`); });
  page.on('pageerror', (e) => log(`${name} pageerror: ${e.message}`));
  page.setDefaultTimeout(T);
  return { ctx, page };
}

async function shot(page, name, mobileToo = false) {
  await page.screenshot({ path: join(cfg.artifacts, `${name}-1280x800.png`), fullPage: true });
  if (mobileToo) {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(cfg.artifacts, `${name}-390x844.png`), fullPage: true });
    await page.setViewportSize(size);
  }
}

function done(what, extra = {}) {
  steps.push({ step: what, ...extra });
  log(`ok: ${what}`);
}

const tid = (page, id) => page.getByTestId(id);

// editNode selects an action on the designer's canvas and returns its
// field in the side panel. A click while the canvas is still fitting its
// view (a slow machine) can miss: it tries again.
async function editNode(page, id, field) {
  const input = page.getByTestId('side-panel').getByTestId(field);
  for (let i = 0; ; i++) {
    await page.getByTestId(`node-${id}`).click();
    try {
      await input.waitFor({ timeout: 5000 });
      return input;
    } catch (e) {
      if (i === 2) throw e;
      log(`the side panel did not show ${field} of ${id}; clicking again`);
    }
  }
}

// The widget lives in a shadow root: Playwright's locators pierce it.
async function widgetSays(page, text) {
  await page.getByTestId('widget-messages').getByText(text).first().waitFor();
}

async function widgetSend(page, text) {
  await page.getByTestId('widget-input').fill(text);
  await page.getByTestId('widget-send').click();
}

async function main() {
  const admin = await newContext('admin');
  const agent = await newContext('agent');
  const customer = await newContext('customer');
  const base = cfg.baseUrl;

  // 1. The admin logs in (deployment-admin key) and imports the flow.
  step = 'admin login';
  const a = admin.page;
  await a.goto(`${base}/login`);
  await shot(a, '01-console-login', true);
  await tid(a, 'login-tab-key').click();
  await tid(a, 'login-key').fill(cfg.adminKey);
  await tid(a, 'login-key-submit').click();
  await a.waitForURL((u) => !u.pathname.startsWith('/login'));
  done(step);

  step = 'import the flow';
  await a.goto(`${base}/admin/flows?instance=${cfg.instanceId}`);
  await tid(a, 'import-button').click();
  const [chooser] = await Promise.all([a.waitForEvent('filechooser'), tid(a, 'import-file').click()]);
  await chooser.setFiles(cfg.flowFile);
  await tid(a, 'import-name').fill(cfg.flowName);
  await tid(a, 'import-submit').click();
  await tid(a, 'import-result').waitFor();
  await shot(a, '02-admin-flow-imported');
  await a.keyboard.press('Escape'); // close the import dialog
  await tid(a, 'import-result').waitFor({ state: 'detached' });
  await shot(a, '02-admin-flows', true);
  done(step);

  step = 'edit the prompt in the designer';
  await tid(a, `design-${cfg.flowName}`).click();
  await tid(a, 'designer-canvas').waitFor();
  await (await editNode(a, cfg.welcomeAction, 'field-Text')).fill(cfg.welcome);
  await (await editNode(a, cfg.queueAction, 'field-QueueId')).fill(cfg.queueId);
  await shot(a, '03-designer', true);
  await tid(a, 'designer-save').click();
  await a.getByTestId('designer-status').filter({ hasText: /saved/i }).waitFor();
  await tid(a, 'designer-publish').click();
  await a.getByTestId('designer-status').filter({ hasText: /published/i }).waitFor();
  await shot(a, '04-designer-published');
  done(step, { flowUrl: a.url() });
  const flowId = new URL(a.url()).pathname.split('/')[3];

  // 2. The agent logs in to the CCP (Offline for now).
  step = 'agent login';
  const g = agent.page;
  await g.goto(`${base}/ccp?instance=${cfg.instanceAlias}`);
  await shot(g, '05-ccp-login', true);
  await tid(g, 'login-username').fill(cfg.agentUsername);
  await tid(g, 'login-password').fill(cfg.agentPassword);
  await tid(g, 'login-submit').click();
  await tid(g, 'status-select').waitFor();
  done(step);

  // 3. The customer opens the widget (on the console's try page, which
  // the deployment-admin key lets start chats) and is greeted with the
  // edited prompt, then answers the menu.
  step = 'customer chat';
  const c = customer.page;
  await c.goto(`${base}/login`);
  await tid(c, 'login-tab-key').click();
  await tid(c, 'login-key').fill(cfg.adminKey);
  await tid(c, 'login-key-submit').click();
  await c.waitForURL((u) => !u.pathname.startsWith('/login'));
  await c.goto(`${base}/widget?instance=${cfg.instanceId}&flow=${flowId}`);
  await c.waitForFunction(() => {
    const b = document.querySelector('[data-testid=try-load]');
    return b && !b.disabled;
  });
  await tid(c, 'try-load').click();
  await tid(c, 'widget-launcher').click();
  await widgetSays(c, cfg.welcome);
  await shot(c, '06-widget-chat', true);
  await widgetSend(c, '1');
  done(step);

  // 4. The supervisor sees it waiting.
  step = 'supervisor';
  await a.goto(`${base}/supervisor?instance=${cfg.instanceId}`);
  await a.getByTestId(`queue-${cfg.queueId}-waiting`).filter({ hasText: /^\s*1\s*$/ }).waitFor({ timeout: 30000 });
  await tid(a, 'supervisor-chart').waitFor();
  await shot(a, '08-supervisor', true);
  done(step);

  // 5. The agent takes it.
  step = 'agent takes the chat';
  await tid(g, 'status-select').selectOption('Available');
  await tid(g, 'offer').waitFor({ timeout: 30000 });
  await shot(g, '09-ccp-offer', true);
  await tid(g, 'offer-accept').click();
  const contact = g.locator('[data-testid^="contact-"][data-channel="CHAT"]').first();
  await contact.waitFor();
  await contact.getByTestId('chat-input').fill('Hello, this is your agent.');
  await contact.getByTestId('chat-send').click();
  await widgetSays(c, 'Hello, this is your agent.');
  await widgetSend(c, 'Thanks, I have a question.');
  await contact.getByTestId('chat-messages').filter({ hasText: 'Thanks, I have a question.' }).waitFor();
  await shot(g, '10-ccp-chat', true);
  await shot(c, '11-widget-conversation', true);
  done(step);

  step = 'after-contact work';
  await contact.getByTestId('hangup').click();
  await tid(g, 'acw').waitFor();
  await tid(g, 'acw-notes').fill('Answered the question.');
  await shot(g, '12-ccp-acw', true);
  await tid(g, 'acw-complete').click();
  await tid(g, 'acw').waitFor({ state: 'detached' });
  done(step);

  step = 'supervisor after';
  await shot(a, '13-supervisor-after');
  done(step);
}

main()
  .then(() => {
    process.stdout.write(JSON.stringify({ ok: true, steps }) + '\n');
  })
  .catch((e) => {
    process.stdout.write(JSON.stringify({ ok: false, step, error: String(e && e.stack || e), steps }) + '\n');
  })
  .finally(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    process.exit(0);
  });
