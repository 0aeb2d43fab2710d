// The chat widget's options: what a script tag and the page's
// window.SwitchboardChatConfig say, merged with a configured widget's
// settings (GET /api/v1/widgets/{id}), and the text the panel shows when a
// chat cannot start. No DOM, so it is tested in Node (config.test.ts).

import { ParticipantError, type WidgetConfig } from './client';

export interface InitOptions {
  /** A chat widget configured in the admin console: it names the flow, the allowed origins and the look. */
  widgetId?: string;
  /** Without a widgetId: the instance and the published contact flow (the start goes through startUrl or a key). */
  instanceId?: string;
  flowId?: string;
  title?: string;
  displayName?: string;
  /** The Switchboard server; default: where widget.js was loaded from. */
  endpoint?: string;
  startUrl?: string;
  apiKey?: string;
  /** More headers for the start request (not for startUrl, nor a widget's). */
  headers?: Record<string, string>;
  color?: string;
  /**
   * For a widget that requires a token: returns the JWT the website's server
   * signed with the widget's security key. Called at each chat start (tokens
   * live 10 minutes at most).
   */
  authenticate?: () => string | Promise<string>;
  /** Where to put the widget; default: document.body. */
  container?: HTMLElement;
}

// The script tag's attributes (dataset names) and the options they set.
const ATTRS = [
  ['widget', 'widgetId'],
  ['instance', 'instanceId'],
  ['flow', 'flowId'],
  ['title', 'title'],
  ['displayName', 'displayName'],
  ['endpoint', 'endpoint'],
  ['startUrl', 'startUrl'],
  ['color', 'color'],
] as const;

/**
 * fromScript is what a script tag starts: its data-* attributes over the
 * page's window.SwitchboardChatConfig; undefined when it starts nothing
 * (data-manual, or neither a widget nor an instance and a flow).
 */
export function fromScript(d: DOMStringMap, global: Partial<InitOptions> = {}): InitOptions | undefined {
  if (d.manual !== undefined) return undefined;
  const o: InitOptions = { ...global };
  for (const [attr, key] of ATTRS) if (d[attr]) o[key] = d[attr];
  return o.widgetId || (o.instanceId && o.flowId) ? o : undefined;
}

export interface Look {
  title: string;
  color?: string;
  /** The customer's name in the chat. */
  displayName: string;
}

/** resolveLook: what the page says wins over the widget's settings, which win over the defaults. */
export function resolveLook(page: { title?: string; color?: string; displayName?: string }, widget?: WidgetConfig): Look {
  return {
    title: page.title || widget?.Title || 'Chat with us',
    color: page.color || widget?.Color || undefined,
    displayName: page.displayName || widget?.DisplayName || 'Customer',
  };
}

/** startErrorText is what the panel tells a customer whose chat could not start through a configured widget. */
export function startErrorText(err: unknown): string {
  const e = err instanceof ParticipantError ? err : new ParticipantError(0, String(err));
  switch (e.code) {
    case 'network':
      return 'Could not reach the chat service. Check your connection and try again.';
    case 'no_authenticate':
      return 'This chat needs you to be signed in, and this page does not sign you in (it sets no authenticate function).';
    case 'authenticate':
      return 'Could not sign you in to the chat. Please try again.';
  }
  switch (e.status) {
    case 401:
      return 'Your sign-in to the chat was not accepted. Please reload the page and try again.';
    case 403:
      // internal/api/widgets.go: widget_disabled, else origin_not_allowed.
      return e.code === 'widget_disabled' || (!e.code && /disabled/i.test(e.message)) ? 'Chat is not available right now.' : 'This chat is not available on this website.';
    case 404:
      return 'This chat is not available.';
    case 429: {
      const n = e.retryAfter;
      return `Too many chats started from here; try again in ${n === undefined ? 'a moment' : `${n} second${n === 1 ? '' : 's'}`}.`;
    }
  }
  if (e.status >= 500) return 'The chat service is unavailable right now. Please try again in a moment.';
  return 'Could not start the chat. Please try again.';
}
