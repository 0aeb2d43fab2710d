import { describe, expect, it } from 'vitest';
import { ParticipantError } from './client';
import { fromScript, resolveLook, startErrorText } from './config';

describe('fromScript', () => {
  it('starts a configured widget from data-widget alone, with no instance or flow', () => {
    expect(fromScript({ widget: 'w1' })).toEqual({ widgetId: 'w1' });
  });

  it('takes the attributes over window.SwitchboardChatConfig, which gives what has no attribute', () => {
    const authenticate = () => Promise.resolve('jwt');
    const o = fromScript(
      { widget: 'w1', title: 'Help', displayName: 'Ann', endpoint: 'https://sb.example.com', color: '#123' },
      { widgetId: 'other', title: 'Global title', displayName: 'Global', color: '#fff', authenticate },
    );
    expect(o).toEqual({ widgetId: 'w1', title: 'Help', displayName: 'Ann', endpoint: 'https://sb.example.com', color: '#123', authenticate });
    // empty attributes do not override
    expect(fromScript({ widget: 'w1', title: '' }, { title: 'Global title' })).toEqual({ widgetId: 'w1', title: 'Global title' });
  });

  it('takes the widget ID from window.SwitchboardChatConfig', () => {
    expect(fromScript({}, { widgetId: 'w2' })).toEqual({ widgetId: 'w2' });
  });

  it('keeps the instance and flow mode, and starts nothing without a widget or both of them, or with data-manual', () => {
    expect(fromScript({ instance: 'i1', flow: 'f1', startUrl: '/start' })).toEqual({ instanceId: 'i1', flowId: 'f1', startUrl: '/start' });
    expect(fromScript({ instance: 'i1' })).toBeUndefined();
    expect(fromScript({})).toBeUndefined();
    expect(fromScript({ widget: 'w1', manual: '' })).toBeUndefined();
  });
});

describe('resolveLook', () => {
  const widget = { WidgetId: 'w1', Title: 'Support', Color: '#0a0', DisplayName: 'Visitor', RequireToken: false };

  it('uses the widget settings where the page says nothing', () => {
    expect(resolveLook({}, widget)).toEqual({ title: 'Support', color: '#0a0', displayName: 'Visitor' });
  });

  it('lets the page override each of them', () => {
    expect(resolveLook({ title: 'Ask us', color: '#f00', displayName: 'Ann' }, widget)).toEqual({ title: 'Ask us', color: '#f00', displayName: 'Ann' });
    expect(resolveLook({ displayName: 'Ann' }, widget)).toEqual({ title: 'Support', color: '#0a0', displayName: 'Ann' });
  });

  it('falls back to the defaults (before the settings are read, or when they leave a field empty)', () => {
    expect(resolveLook({})).toEqual({ title: 'Chat with us', color: undefined, displayName: 'Customer' });
    expect(resolveLook({}, { WidgetId: 'w1', Title: '', Color: '' })).toEqual({ title: 'Chat with us', color: undefined, displayName: 'Customer' });
  });
});

describe('startErrorText', () => {
  const pe = (status: number, detail: string, code = '', retry?: number) => new ParticipantError(status, detail, code, retry);

  it('tells an origin refusal from a disabled widget', () => {
    expect(startErrorText(pe(403, 'origin https://evil.example is not allowed', 'origin_not_allowed'))).toBe('This chat is not available on this website.');
    expect(startErrorText(pe(403, 'this chat widget is disabled', 'widget_disabled'))).toBe('Chat is not available right now.');
    // an origin whose name says "disabled" is still an origin refusal
    expect(startErrorText(pe(403, 'Origin: origin "https://disabled.example" is not in this chat widget\'s allowedOrigins', 'origin_not_allowed')))
      .toBe('This chat is not available on this website.');
    expect(startErrorText(pe(403, 'the widget is disabled'))).toBe('Chat is not available right now.'); // a proxy's answer, without a code
  });

  it('says when to try again after a 429', () => {
    expect(startErrorText(pe(429, 'slow down', 'rate_limited', 30))).toBe('Too many chats started from here; try again in 30 seconds.');
    expect(startErrorText(pe(429, 'slow down', 'rate_limited', 1))).toBe('Too many chats started from here; try again in 1 second.');
    expect(startErrorText(pe(429, 'slow down'))).toBe('Too many chats started from here; try again in a moment.');
  });

  it('asks to retry after a network failure, and words the other failures for a customer', () => {
    expect(startErrorText(pe(0, 'Failed to fetch', 'network'))).toMatch(/Could not reach the chat service.*try again/);
    expect(startErrorText(pe(404, 'no such widget', 'not_found'))).toBe('This chat is not available.');
    expect(startErrorText(pe(401, 'token expired', 'unauthorized'))).toMatch(/sign-in to the chat was not accepted/);
    expect(startErrorText(pe(0, 'x', 'no_authenticate'))).toMatch(/no authenticate function/);
    expect(startErrorText(pe(0, 'x', 'authenticate'))).toMatch(/Could not sign you in/);
    expect(startErrorText(pe(503, 'standby'))).toMatch(/unavailable right now/);
    expect(startErrorText(pe(400, 'ParticipantDetails.DisplayName: too long', 'invalid'))).toBe('Could not start the chat. Please try again.');
    expect(startErrorText(new Error('boom'))).toBe('Could not start the chat. Please try again.');
  });
});
