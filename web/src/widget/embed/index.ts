// The chat widget's entry point, built into dist/app/widget.js (one IIFE
// file; see vite.config.ts). A website adds
//
//   <script src="https://switchboard.example.com/widget.js" data-widget="WIDGET_ID"></script>
//
// for a chat widget configured in the admin console (its flow, allowed
// origins and look; the chat starts with POST /api/v1/widgets/{id}/chat, no
// key, checked against the page's origin and, when the widget requires it,
// a token from the page's authenticate function), or
//
//   <script src="https://switchboard.example.com/widget.js"
//           data-instance="INSTANCE_ID" data-flow="CONTACT_FLOW_ID"
//           data-title="Chat with us" data-start-url="/start-chat"></script>
//
// where the chat is started through data-start-url (the website's server,
// which holds the API key, calls POST /api/v1/instances/{id}/contacts/chat
// and answers its JSON), or, on the console's own pages, with the console's
// session or an apiKey passed to init. Either can be done from script with
// SwitchboardChat.init({...}). Everything after that is the participant API
// (docs/chat.md).

import { fromScript, type InitOptions } from './config';
import { ChatWidget } from './ui';

export type { InitOptions } from './config';

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
  if (!o.widgetId && !(o.instanceId && o.flowId)) throw new Error('SwitchboardChat.init: widgetId, or instanceId and flowId, are required');
  current?.destroy();
  const { container, ...rest } = o;
  current = new ChatWidget({ ...rest, endpoint: (o.endpoint || scriptOrigin).replace(/\/+$/, '') });
  (container ?? document.body).appendChild(current.host);
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

// Script-tag use: data-widget, or data-instance and data-flow, start it
// (window.SwitchboardChatConfig may give them instead); data-manual leaves
// it to init().
if (script && fromScript(script.dataset, window.SwitchboardChatConfig)) {
  const go = () => {
    const o = fromScript(script.dataset, window.SwitchboardChatConfig);
    if (o) init(o);
  };
  if (document.body) go();
  else document.addEventListener('DOMContentLoaded', go, { once: true });
}
