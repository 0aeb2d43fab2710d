import { afterEach, describe, expect, it, vi } from 'vitest';
import { getWidgetConfig, ParticipantError, retryAfterSeconds, startChat, startWidgetChat } from './client';

interface Call {
  url: string;
  init: RequestInit;
}

// mockFetch answers each request with the next response and records it.
function mockFetch(...answers: (Response | Error)[]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const a = answers.shift();
    if (!a) throw new Error(`unexpected request ${url}`);
    if (a instanceof Error) throw a;
    return a;
  });
  return calls;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const details = { ContactId: 'c1', ParticipantId: 'p1', ParticipantToken: 'pt' };

afterEach(() => vi.unstubAllGlobals());

describe('configured widget requests', () => {
  it('reads the widget settings with a GET and no cookies', async () => {
    const calls = mockFetch(json(200, { WidgetId: 'w 1', Title: 'Help', Color: '#123', DisplayName: 'Visitor', RequireToken: true }));
    const cfg = await getWidgetConfig('https://sb.example.com', 'w 1');
    expect(cfg).toEqual({ WidgetId: 'w 1', Title: 'Help', Color: '#123', DisplayName: 'Visitor', RequireToken: true });
    expect(calls[0].url).toBe('https://sb.example.com/api/v1/widgets/w%201');
    expect(calls[0].init.method).toBe('GET');
    expect(calls[0].init.credentials).toBe('omit');
    expect(calls[0].init.body).toBeUndefined();
  });

  it('starts a chat with the display name, no cookies, no key, and the token only when there is one', async () => {
    const calls = mockFetch(json(201, details), json(201, details));
    expect(await startWidgetChat('https://sb.example.com', 'w1', 'Ann')).toEqual(details);
    expect(calls[0].url).toBe('https://sb.example.com/api/v1/widgets/w1/chat');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.credentials).toBe('omit');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ ParticipantDetails: { DisplayName: 'Ann' } });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers.Authorization).toBeUndefined();

    await startWidgetChat('https://sb.example.com', 'w1', 'Ann', 'eyJ.jwt.sig');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ ParticipantDetails: { DisplayName: 'Ann' }, Token: 'eyJ.jwt.sig' });
  });

  it('reads the problem JSON of a refusal: status, code, detail and Retry-After', async () => {
    mockFetch(
      json(403, { type: 'about:blank', title: 'Forbidden', status: 403, code: 'origin_not_allowed', detail: 'origin https://x.example is not allowed' }),
      json(429, { title: 'Too Many Requests', status: 429, code: 'rate_limited', detail: 'too many chats' }, { 'Retry-After': '17' }),
      new TypeError('Failed to fetch'),
    );
    await expect(startWidgetChat('', 'w1', 'Ann')).rejects.toMatchObject({ status: 403, code: 'origin_not_allowed', message: 'origin https://x.example is not allowed' });
    const e = await startWidgetChat('', 'w1', 'Ann').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ParticipantError);
    expect(e).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 17 });
    await expect(getWidgetConfig('', 'w1')).rejects.toMatchObject({ status: 0, code: 'network', message: 'Failed to fetch' });
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterSeconds('5')).toBe(5);
    expect(retryAfterSeconds(new Date(61_000).toUTCString(), 1_000)).toBe(60);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });
});

describe('instance and flow mode', () => {
  it('still posts to the instance with the console credentials, or to the website start URL with its cookies', async () => {
    const calls = mockFetch(json(200, details), json(200, details));
    await startChat({ endpoint: 'https://sb.example.com', instanceId: 'i1', flowId: 'f1', displayName: 'Ann', apiKey: 'k' });
    expect(calls[0].url).toBe('https://sb.example.com/api/v1/instances/i1/contacts/chat');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer k');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ ContactFlowId: 'f1', ParticipantDetails: { DisplayName: 'Ann' } });
    await startChat({ endpoint: '', instanceId: 'i1', flowId: 'f1', displayName: 'Ann', startUrl: '/start-chat' });
    expect(calls[1].url).toBe('/start-chat');
    expect(calls[1].init.credentials).toBe('include');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ InstanceId: 'i1', ContactFlowId: 'f1', ParticipantDetails: { DisplayName: 'Ann' } });
  });
});
