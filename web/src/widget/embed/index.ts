// The chat widget's entry point, built into dist/app/widget.js (one IIFE
// file; see vite.config.ts). A website adds
//
//   <script src="https://switchboard.example.com/widget.js"
//           data-instance="INSTANCE_ID" data-flow="CONTACT_FLOW_ID"
//           data-title="Chat with us" data-start-url="/start-chat"></script>
//
// or calls SwitchboardChat.init({...}) itself. The chat is started through
// data-start-url (the website's server, which holds the API key, calls
// POST /api/v1/instances/{id}/contacts/chat and answers its JSON), or, on
// the console's own pages, with the console's session or an apiKey passed to
// init. Everything after that is the participant API (docs/chat.md).

import { ChatWidget, type WidgetOptions } from './ui';

export interface InitOptions {
  instanceId: string;
  flowId: string;
  title?: string;
  displayName?: string;
  /** The Switchboard server; default: where widget.js was loaded from. */
  endpoint?: string;
  startUrl?: string;
  apiKey?: string;
  /** More headers for the start request (not for startUrl). */
  headers?: Record<string, string>;
  color?: string;
  /** Where to put the widget; default: document.body. */
  container?: HTMLElement;
}

let current: ChatWidget | null = null;

/** The script element this file was loaded by (read at load: currentScript is null later). */
const script = document.currentScript as HTMLScriptElement | null;
const scriptOrigin = (() => {
  try {
    return script?.src ? new URL(script.src, location.href).origin : location.origin;
  } catch {
    return location.origin;
  }
})();

/** init shows the widget (replacing one shown before) and returns it. */
export function init(o: InitOptions): ChatWidget {
  if (!o.instanceId || !o.flowId) throw new Error('SwitchboardChat.init: instanceId and flowId are required');
  current?.destroy();
  const opts: WidgetOptions = {
    endpoint: (o.endpoint ?? scriptOrigin).replace(/\/+$/, ''),
    instanceId: o.instanceId,
    flowId: o.flowId,
    title: o.title || 'Chat with us',
    displayName: o.displayName || 'Customer',
    startUrl: o.startUrl,
    apiKey: o.apiKey,
    headers: o.headers,
    color: o.color,
  };
  current = new ChatWidget(opts);
  (o.container ?? document.body).appendChild(current.host);
  return current;
}

/** destroy removes the widget (ending nothing: an open chat times out or is ended by the flow or agent). */
export function destroy(): void {
  current?.destroy();
  current = null;
}

/** open opens the panel (and starts a chat) as if the launcher were clicked. */
export function open(): void {
  current?.toggle(true);
}

declare global {
  interface Window {
    /** Options set before widget.js loads, merged under the script tag's (e.g. an apiKey, which has no attribute). */
    SwitchboardChatConfig?: Partial<InitOptions>;
  }
}

// Script-tag use: data-instance and data-flow start it; data-manual leaves it to init().
if (script && script.dataset.instance && script.dataset.flow && script.dataset.manual === undefined) {
  const d = script.dataset;
  const go = () =>
    init({
      ...window.SwitchboardChatConfig,
      instanceId: d.instance!,
      flowId: d.flow!,
      title: d.title,
      displayName: d.displayName ?? window.SwitchboardChatConfig?.displayName,
      endpoint: d.endpoint ?? window.SwitchboardChatConfig?.endpoint,
      startUrl: d.startUrl ?? window.SwitchboardChatConfig?.startUrl,
      color: d.color ?? window.SwitchboardChatConfig?.color,
    });
  if (document.body) go();
  else document.addEventListener('DOMContentLoaded', go, { once: true });
}
