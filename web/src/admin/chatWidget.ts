// The admin console's chat widgets (kinds.tsx): the request body, a new
// security key, and what a website puts on its pages. The widget itself is
// web/src/widget/embed; docs/chat-widget.md says how it is used.

import type { Values } from './form';

/** randomKey is a new security key: n random bytes (32 by default: HS256 wants a key as long as its hash), base64url without padding. */
export function randomKey(n = 32): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * chatWidgetBody is a chat widget's request body: the security key only
 * when typed and tokens are required (a key typed and then hidden by
 * unticking "Require a token" is not sent; an update without one keeps the
 * stored key), never hasSecurityKey (an answer field), and empty optional
 * texts left out.
 */
export function chatWidgetBody(v: Values, o: Values | undefined): Values {
  const b: Values = { ...(o ?? {}), ...v };
  if (!b.requireToken || !b.securityKey) delete b.securityKey;
  delete b.hasSecurityKey;
  for (const k of ['description', 'title', 'color', 'displayName']) if (!b[k]) delete b[k];
  b.allowedOrigins = Array.isArray(b.allowedOrigins) ? (b.allowedOrigins as string[]).map((s) => s.trim()).filter(Boolean) : [];
  b.disabled = !!b.disabled;
  b.requireToken = !!b.requireToken;
  return JSON.parse(JSON.stringify(b)) as Values;
}

/** widgetSnippet is the tag a website adds to its pages for the widget. */
export function widgetSnippet(origin: string, widgetId: string): string {
  return `<script src="${origin}/widget.js" data-widget="${widgetId}"></script>`;
}

/** tokenSnippet is the page script that hands the widget a token from the website's server (for a widget that requires one). */
export function tokenSnippet(): string {
  return `<script>
  // before widget.js: the widget calls it at each chat start
  window.SwitchboardChatConfig = {
    authenticate: () => fetch('/your-server/chat-token', { credentials: 'same-origin' }).then((r) => r.text()),
  };
</script>`;
}

interface Origin {
  scheme: string;
  host: string;
  port: string;
}

function parseOrigin(s: string): Origin | undefined {
  const m = /^(https?):\/\/([^/?#@]+?)(?::(\d+))?\/?$/i.exec(s.trim());
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  const port = (scheme === 'https' && m[3] === '443') || (scheme === 'http' && m[3] === '80') ? '' : (m[3] ?? '');
  return { scheme, host: m[2].toLowerCase(), port };
}

/**
 * originAllowed reports whether a page at origin may use a widget with
 * these allowed origins, as the server decides (core.ChatWidget.AllowsOrigin):
 * same scheme, host and port; https://*.example.com matches any name under
 * example.com but not example.com itself. The console uses it for a hint only.
 */
export function originAllowed(origin: string, allowed: string[]): boolean {
  const o = parseOrigin(origin);
  if (!o) return false;
  return allowed.some((a) => {
    const p = parseOrigin(a);
    if (!p || p.scheme !== o.scheme || p.port !== o.port) return false;
    return p.host.startsWith('*.') ? o.host.endsWith(p.host.slice(1)) : p.host === o.host;
  });
}
