// The chat widget's DOM: a launcher button and a panel inside a shadow
// root, so the host page's CSS does not reach in and ours does not leak out.

import { ParticipantConnection, ParticipantError, getWidgetConfig, startChat, startWidgetChat, type ChatDetails, type StartOptions, type WidgetConfig } from './client';
import { resolveLook, startErrorText, type InitOptions, type Look } from './config';
import { applyItem, initialModel, sortLines, whoIsTyping, type ChatModel } from './model';

/** The page's options (index.ts's init), with the endpoint resolved. */
export type WidgetOptions = Omit<InitOptions, 'endpoint' | 'container'> & Pick<StartOptions, 'endpoint'>;

const CSS = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 28px;
  height: 56px; padding: 0 22px; background: var(--sb-accent); color: #fff; font-size: 15px; font-weight: 600;
  cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher[hidden] { display: none; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 360px; height: 520px;
  max-height: calc(100vh - 108px); display: flex; flex-direction: column; background: #fff; color: #1a1b1e;
  border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; font-size: 14px; }
.panel[hidden] { display: none; }
@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100%; max-height: 100%; border-radius: 0; } }
header { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 14px;
  background: var(--sb-accent); color: #fff; }
header h2 { margin: 0; font-size: 16px; font-weight: 600; }
header .actions { display: flex; gap: 6px; }
header button { background: rgba(255,255,255,.18); color: #fff; border: 0; border-radius: 6px; padding: 6px 10px;
  font-size: 13px; cursor: pointer; }
header button[disabled] { opacity: .5; cursor: default; }
.messages { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f7f9; }
.msg { max-width: 80%; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .who { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
.msg.me { align-self: flex-end; background: var(--sb-accent); color: #fff; }
.msg.agent, .msg.bot { align-self: flex-start; background: #fff; border: 1px solid #dee2e6; }
.msg.system { align-self: flex-start; background: #e7f0ff; }
.notice { align-self: center; font-size: 12px; color: #5c5f66; }
.status { padding: 4px 12px; min-height: 22px; font-size: 12px; color: #5c5f66; background: #f6f7f9; }
.status.error { color: #c92a2a; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dee2e6; background: #fff; }
textarea { flex: 1; resize: none; height: 40px; padding: 9px 10px; border: 1px solid #ced4da; border-radius: 8px; font-size: 14px; }
form button { border: 0; border-radius: 8px; padding: 0 16px; background: var(--sb-accent); color: #fff; font-weight: 600; cursor: pointer; }
form button[disabled], textarea[disabled] { opacity: .5; cursor: default; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

function warn(what: string, err: unknown): void {
  const e = err as ParticipantError;
  console.warn(`SwitchboardChat: ${what}${e.status ? ` (HTTP ${e.status}${e.code ? ` ${e.code}` : ''})` : ''}: ${e.message ?? String(err)}`);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** ChatWidget is one widget on the page. */
export class ChatWidget {
  readonly host: HTMLElement;
  private model: ChatModel = initialModel();
  private conn: ParticipantConnection | null = null;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly heading: HTMLElement;
  private look: Look;
  /** A configured widget's settings, once read (or being read). */
  private config: Promise<WidgetConfig> | undefined;
  private readonly messages: HTMLElement;
  private readonly status: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly send: HTMLButtonElement;
  private readonly end: HTMLButtonElement;
  private typingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: WidgetOptions) {
    this.host = el('div', { 'data-switchboard-chat': '' });
    const root = this.host.attachShadow({ mode: 'open' });
    const style = el('style', {}, CSS);
    this.look = resolveLook(o);

    this.launcher = el('button', { type: 'button', class: 'launcher', 'data-testid': 'widget-launcher', 'aria-expanded': 'false' });
    this.panel = el('section', { class: 'panel', role: 'dialog', hidden: '' });
    this.heading = el('h2');
    const header = el('header');
    const actions = el('div', { class: 'actions' });
    this.end = el('button', { type: 'button', 'data-testid': 'widget-end' }, 'End chat');
    const minimize = el('button', { type: 'button', 'aria-label': 'Minimize the chat' }, '—');
    actions.append(this.end, minimize);
    header.append(this.heading, actions);
    this.messages = el('div', { class: 'messages', 'data-testid': 'widget-messages', role: 'log', 'aria-live': 'polite' });
    this.status = el('div', { class: 'status', 'data-testid': 'widget-status', 'aria-live': 'polite' });
    const form = el('form');
    const label = el('label', { for: 'sb-input', class: 'sr-only' }, 'Your message');
    this.input = el('textarea', { id: 'sb-input', 'data-testid': 'widget-input', placeholder: 'Type a message…', rows: '1' });
    this.send = el('button', { type: 'submit', 'data-testid': 'widget-send' }, 'Send');
    form.append(label, this.input, this.send);
    this.panel.append(header, this.messages, this.status, form);
    root.append(style, this.launcher, this.panel);

    this.launcher.addEventListener('click', () => this.toggle());
    minimize.addEventListener('click', () => this.toggle(false));
    this.end.addEventListener('click', () => void this.endChat());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.sendMessage();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void this.sendMessage();
      } else if (e.key === 'Escape') {
        this.toggle(false);
      }
    });
    this.input.addEventListener('input', () => {
      if (this.model.phase === 'open' && this.input.value) this.conn?.typing().catch(() => {});
    });
    this.setLook(this.look);
    this.render();
    if (o.widgetId) {
      // The launcher shows once the widget's title and colour are known; if
      // they cannot be read it shows anyway, and opening it tells why.
      this.launcher.hidden = true;
      this.loadConfig()
        .catch((err: unknown) => warn('could not read the widget\'s settings', err))
        .finally(() => (this.launcher.hidden = false));
    }
  }

  private setLook(l: Look): void {
    this.look = l;
    this.host.style.setProperty('--sb-accent', l.color || '#1c7ed6');
    this.launcher.textContent = l.title;
    this.heading.textContent = l.title;
    this.panel.setAttribute('aria-label', l.title);
  }

  /** loadConfig reads the widget's settings once (again after a failure) and applies them under the page's. */
  private loadConfig(): Promise<WidgetConfig> {
    this.config ??= getWidgetConfig(this.o.endpoint, this.o.widgetId!).then(
      (c) => {
        this.setLook(resolveLook(this.o, c));
        return c;
      },
      (err: unknown) => {
        this.config = undefined;
        throw err;
      },
    );
    return this.config;
  }

  /** startWidget starts a chat through the configured widget, with a token from the page's authenticate when the widget requires one. */
  private async startWidget(): Promise<ChatDetails> {
    // Settings that cannot be read (the server was not reached) do not stop
    // the start, whose answer says what is wrong. A token is then sent if
    // the page can make one.
    const noAuth = () => new ParticipantError(0, 'the widget requires a token: give init() or window.SwitchboardChatConfig an authenticate function', 'no_authenticate');
    const cfg = await this.loadConfig().catch((): WidgetConfig => ({ WidgetId: this.o.widgetId!, RequireToken: !!this.o.authenticate }));
    let token: string | undefined;
    if (cfg.RequireToken) {
      if (!this.o.authenticate) throw noAuth();
      try {
        token = await this.o.authenticate();
      } catch (err) {
        throw new ParticipantError(0, `authenticate failed: ${(err as Error)?.message ?? String(err)}`, 'authenticate');
      }
      if (!token || typeof token !== 'string') throw new ParticipantError(0, 'authenticate returned no token', 'authenticate');
    }
    try {
      return await startWidgetChat(this.o.endpoint, this.o.widgetId!, this.look.displayName, token);
    } catch (err) {
      throw !this.o.authenticate && (err as ParticipantError).code === 'token_required' ? noAuth() : err;
    }
  }

  /** toggle opens or closes the panel; opening it the first time (or after a chat ended) starts a chat. */
  toggle(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      if (this.model.phase === 'idle' || this.model.phase === 'ended' || this.model.phase === 'error') void this.start();
      this.input.focus();
    }
  }

  private update(m: ChatModel): void {
    this.model = m;
    this.render();
  }

  async start(): Promise<void> {
    this.conn?.close();
    this.update({ ...initialModel(), phase: 'connecting' });
    try {
      const o = this.o;
      const details = o.widgetId
        ? await this.startWidget()
        : await startChat({ ...o, instanceId: o.instanceId ?? '', flowId: o.flowId ?? '', displayName: this.look.displayName });
      this.model = { ...this.model, me: details.ParticipantId };
      const conn = new ParticipantConnection(this.o.endpoint, details, {
        onItem: (item) => {
          if (this.conn === conn) this.update(applyItem(this.model, item, Date.now()));
        },
        onClosed: (reason) => {
          if (this.conn !== conn || this.model.phase === 'ended') return;
          this.update(reason === 'ended' ? { ...this.model, phase: 'ended' } : { ...this.model, phase: 'error', error: reason });
        },
      });
      this.conn = conn;
      await conn.open();
      if (this.model.phase === 'connecting') this.update({ ...this.model, phase: 'open' });
      clearInterval(this.typingTimer);
      this.typingTimer = setInterval(() => this.renderStatus(), 1000);
    } catch (err) {
      let error = `Could not start the chat: ${(err as Error).message}`;
      if (this.o.widgetId) {
        // The customer gets plain words; the website's developer the server's in the console.
        warn('could not start the chat', err);
        error = startErrorText(err);
      }
      this.update({ ...this.model, phase: 'error', error });
    }
  }

  private async sendMessage(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.model.phase !== 'open' || !this.conn) return;
    this.input.value = '';
    try {
      await this.conn.sendMessage(text); // it comes back on the socket, like everyone's
    } catch (err) {
      this.input.value = text;
      this.update({ ...this.model, error: `Not sent: ${(err as Error).message}` });
    }
  }

  async endChat(): Promise<void> {
    const conn = this.conn;
    if (!conn || this.model.phase !== 'open') return;
    try {
      await conn.disconnect();
    } catch {
      // the chat may have ended already; either way it is over for us
    }
    // (re-read: the socket may have ended it meanwhile)
    if (this.phase() !== 'ended') this.update({ ...this.model, phase: 'ended' });
  }

  private phase(): ChatModel['phase'] {
    return this.model.phase;
  }

  destroy(): void {
    this.conn?.close();
    clearInterval(this.typingTimer);
    this.host.remove();
  }

  private renderStatus(): void {
    const m = this.model;
    let text = '';
    this.status.classList.toggle('error', m.phase === 'error' || !!m.error);
    if (m.phase === 'connecting') text = 'Connecting…';
    else if (m.phase === 'ended') text = 'The chat has ended. Open it again to start a new one.';
    else if (m.phase === 'error' || m.error) text = m.error ?? 'Something went wrong';
    else text = whoIsTyping(m, Date.now());
    if (this.status.textContent !== text) this.status.textContent = text;
  }

  private render(): void {
    const m = this.model;
    const open = m.phase === 'open';
    this.input.disabled = !open;
    this.send.disabled = !open;
    this.end.disabled = !open;
    this.messages.setAttribute('data-phase', m.phase);
    const lines = sortLines(m.lines);
    // Rebuild only when lines changed (typing updates just the status).
    if (this.messages.childElementCount !== lines.length || lines.some((l, i) => (this.messages.children[i] as HTMLElement).dataset.id !== l.id)) {
      const stick = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 40;
      this.messages.replaceChildren(
        ...lines.map((l) => {
          if (l.kind === 'notice') {
            const n = el('div', { class: 'notice', 'data-id': l.id }, l.text);
            return n;
          }
          const d = el('div', { class: `msg ${l.from}`, 'data-id': l.id, 'data-testid': `widget-message-${l.from}` });
          d.append(el('span', { class: 'who' }, l.name), document.createTextNode(l.text));
          return d;
        }),
      );
      if (stick) this.messages.scrollTop = this.messages.scrollHeight;
    }
    this.renderStatus();
  }
}
