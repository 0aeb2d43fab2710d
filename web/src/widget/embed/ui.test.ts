// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatWidget, type WidgetOptions } from './ui';

interface Call {
  url: string;
  init: RequestInit;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

// serve answers the widget's requests by path; every request is recorded.
function serve(routes: Record<string, () => Response | Promise<Response>>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const path = new URL(url).pathname;
    const r = routes[`${init.method ?? 'GET'} ${path}`];
    if (!r) return json(404, { status: 404, code: 'not_found', detail: `no route ${path}` });
    return r();
  });
  return calls;
}

const endpoint = 'https://sb.example.com';
const configPath = 'GET /api/v1/widgets/w1';
const startPath = 'POST /api/v1/widgets/w1/chat';
const config = (more: object = {}) => () => json(200, { WidgetId: 'w1', Title: 'Support', Color: '#00aa00', DisplayName: 'Visitor', RequireToken: false, ...more });

let widget: ChatWidget | undefined;
function show(o: Partial<WidgetOptions> = {}): ChatWidget {
  widget = new ChatWidget({ endpoint, widgetId: 'w1', ...o });
  document.body.appendChild(widget.host);
  return widget;
}
const part = (w: ChatWidget, id: string) => w.host.shadowRoot!.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
const status = (w: ChatWidget) => part(w, 'widget-status').textContent;

afterEach(() => {
  widget?.destroy();
  widget = undefined;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('a configured widget', () => {
  it('shows its launcher once the settings are read, with their title and colour', async () => {
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    serve({ [configPath]: async () => (await gate, config()()) });
    const w = show();
    expect(part(w, 'widget-launcher').hidden).toBe(true);
    answer();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    expect(part(w, 'widget-launcher').textContent).toBe('Support');
    expect(w.host.shadowRoot!.querySelector('h2')!.textContent).toBe('Support');
    expect(w.host.style.getPropertyValue('--sb-accent')).toBe('#00aa00');
  });

  it('keeps what the page says over the settings', async () => {
    serve({ [configPath]: config() });
    const w = show({ title: 'Ask us', color: '#ff0000' });
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    expect(part(w, 'widget-launcher').textContent).toBe('Ask us');
    expect(w.host.style.getPropertyValue('--sb-accent')).toBe('#ff0000');
  });

  it('starts the chat with the configured name, no cookies, and the token of authenticate when the widget requires one', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const calls = serve({
      [configPath]: config({ RequireToken: true }),
      [startPath]: () => json(201, { ContactId: 'c1', ParticipantId: 'p1', ParticipantToken: 'pt' }),
      // (the participant connection is not what this test is about)
      'POST /participant/connection': () => json(500, { message: 'stop here' }),
    });
    const authenticate = vi.fn(async () => 'eyJ.payload.sig');
    const w = show({ authenticate });
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(calls.some((c) => c.url.endsWith('/participant/connection'))).toBe(true));
    const start = calls.find((c) => c.url === `${endpoint}/api/v1/widgets/w1/chat`)!;
    expect(start.init.credentials).toBe('omit');
    expect(JSON.parse(String(start.init.body))).toEqual({ ParticipantDetails: { DisplayName: 'Visitor' }, Token: 'eyJ.payload.sig' });
    expect(authenticate).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.init.method === 'GET')).toHaveLength(1); // the settings are read once
  });

  it('says clearly that a widget requiring a token has no authenticate function, and starts nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const calls = serve({ [configPath]: config({ RequireToken: true }) });
    const w = show();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(status(w)).toMatch(/no authenticate function/));
    expect(calls.some((c) => c.init.method === 'POST')).toBe(false);
    expect(warn.mock.calls[0][0]).toMatch(/authenticate/);
  });

  it('shows a customer the refusal in plain words and logs the server detail for the developer', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    serve({
      [configPath]: config(),
      [startPath]: () => json(403, { type: 'about:blank', title: 'Forbidden', status: 403, code: 'origin_not_allowed', detail: 'origin http://localhost:3000 is not allowed' }),
    });
    const w = show();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(status(w)).toBe('This chat is not available on this website.'));
    expect(part(w, 'widget-status').classList.contains('error')).toBe(true);
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toContain('(HTTP 403 origin_not_allowed): origin http://localhost:3000 is not allowed');
  });

  it('says when to try again after a 429', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    serve({ [configPath]: config(), [startPath]: () => json(429, { status: 429, code: 'rate_limited', detail: 'too many chats from 203.0.113.7' }, { 'Retry-After': '42' }) });
    const w = show();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(status(w)).toBe('Too many chats started from here; try again in 42 seconds.'));
  });

  it('shows the launcher when the settings cannot be read, and reads them again when it is opened', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let fail = true;
    const offline = () => {
      throw new TypeError('Failed to fetch');
    };
    const calls = serve({
      [configPath]: () => (fail ? offline() : config()()),
      [startPath]: () => (fail ? offline() : json(403, { status: 403, code: 'widget_disabled', detail: 'the widget is disabled' })),
    });
    const w = show();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    expect(part(w, 'widget-launcher').textContent).toBe('Chat with us');
    expect(warn).toHaveBeenCalled();
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(status(w)).toMatch(/Could not reach the chat service.*try again/));
    fail = false;
    part(w, 'widget-launcher').click(); // closes
    part(w, 'widget-launcher').click(); // opens: a new start
    await vi.waitFor(() => expect(status(w)).toBe('Chat is not available right now.'));
    expect(part(w, 'widget-launcher').textContent).toBe('Support');
    expect(calls.filter((c) => c.init.method === 'GET')).toHaveLength(3);
  });

  it('starts the chat when the settings cannot be read, with a token if the page makes one', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const unreadable = () => json(500, { status: 500, code: 'internal', detail: 'the store is down' });
    const calls = serve({
      [configPath]: unreadable,
      [startPath]: () => json(201, { ContactId: 'c1', ParticipantId: 'p1', ParticipantToken: 'pt' }),
      'POST /participant/connection': () => json(500, { message: 'stop here' }),
    });
    const w = show({ authenticate: async () => 'eyJ.t.s', title: 'Try it' });
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(calls.some((c) => c.url.endsWith('/participant/connection'))).toBe(true));
    const start = calls.find((c) => c.url.endsWith('/api/v1/widgets/w1/chat'))!;
    expect(JSON.parse(String(start.init.body))).toEqual({ ParticipantDetails: { DisplayName: 'Customer' }, Token: 'eyJ.t.s' });
  });

  it('says that authenticate is missing when the settings were unreadable and the server asks for a token', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    serve({
      [configPath]: () => json(500, { status: 500, code: 'internal', detail: 'the store is down' }),
      [startPath]: () => json(401, { status: 401, code: 'token_required', detail: 'Token: is required' }),
    });
    const w = show();
    await vi.waitFor(() => expect(part(w, 'widget-launcher').hidden).toBe(false));
    part(w, 'widget-launcher').click();
    await vi.waitFor(() => expect(status(w)).toMatch(/no authenticate function/));
  });
});
