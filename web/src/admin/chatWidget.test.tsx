// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionContext, type Session } from '../session/SessionContext';
import { randomKey, widgetSnippet } from './chatWidget';
import { ChatWidgetEmbed, FlowName, GeneratedSecretInput } from './extras';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | undefined;
let host: HTMLElement;

function render(node: React.ReactNode, session?: Session) {
  host = document.body.appendChild(document.createElement('div'));
  root = createRoot(host);
  act(() => root!.render(<MantineProvider>{session ? <SessionContext.Provider value={session}>{node}</SessionContext.Provider> : node}</MantineProvider>));
}
const q = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);

beforeAll(() => {
  window.matchMedia ??= ((m: string) => ({ matches: false, media: m, onchange: null, addListener() {}, removeListener() {},
    addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false })) as unknown as typeof window.matchMedia;
});

afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

describe('randomKey', () => {
  it('is 32 random bytes in base64url', () => {
    const a = randomKey();
    const b = randomKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(atob(a.replace(/-/g, '+').replace(/_/g, '/') + '=').length).toBe(32);
  });
});

describe('ChatWidgetEmbed', () => {
  it('shows the script tag with the widget ID, and the token note only when tokens are required', () => {
    const w = { id: 'w-1', instanceId: 'i1', name: 'Website', allowedOrigins: ['https://www.example.com'], requireToken: false };
    render(<ChatWidgetEmbed widget={w} />);
    const snippet = `<script src="${location.origin}/widget.js" data-widget="w-1"></script>`;
    expect(widgetSnippet(location.origin, 'w-1')).toBe(snippet);
    expect(q('widget-snippet')!.textContent).toBe(snippet);
    expect(q('widget-snippet-copy')).not.toBeNull();
    expect(q('widget-token-note')).toBeNull();
    act(() => root!.unmount());
    host.remove();

    render(<ChatWidgetEmbed widget={{ ...w, requireToken: true }} />);
    const note = q('widget-token-note')!.textContent!;
    for (const s of ['HS256', 'sub', 'w-1', 'iat', 'exp', '10 minutes', 'attributes', 'authenticate']) expect(note).toContain(s);
  });
});

describe('GeneratedSecretInput', () => {
  it('fills the field with a generated key and shows it to copy until the field changes', () => {
    let value = '';
    const renderInput = () => (
      <GeneratedSecretInput label="Security key" data-testid="field-securityKey" value={value} onChange={(v) => { value = v; rerender(); }}
        generate={{ label: 'Generate key', make: () => 'generated-key-0123456789-0123456789-0123' }} />
    );
    const rerender = () => act(() => root!.render(<MantineProvider>{renderInput()}</MantineProvider>));
    render(renderInput());
    expect(q('field-securityKey-generated')).toBeNull();
    act(() => q('field-securityKey-generate')!.click());
    expect(value).toBe('generated-key-0123456789-0123456789-0123');
    expect((q('field-securityKey') as HTMLInputElement).value).toBe(value);
    expect(q('field-securityKey-generated')!.textContent).toContain(value);
    value = 'typed';
    rerender();
    expect(q('field-securityKey-generated')).toBeNull();
  });
});

describe('FlowName', () => {
  it('shows the flow name, read from the API', async () => {
    const asked: string[] = [];
    const session = { api: async (p: string) => (asked.push(p), { id: 'f1', name: 'Inbound chat' }), instance: undefined } as unknown as Session;
    render(<span data-testid="flow"><FlowName item={{ instanceId: 'i1', contactFlowId: 'f1' }} field="contactFlowId" /></span>, session);
    await act(async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); });
    expect(q('flow')!.textContent).toBe('Inbound chat');
    expect(asked).toEqual(['/api/v1/instances/i1/flows/f1']);
  });
});
