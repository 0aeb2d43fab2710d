// @vitest-environment jsdom
// The CCP's use of what the agent API lists: the statuses of welcome, the
// quick connects of listQuickConnects, and a chat's transcript.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import type { AgentClient, ChatItem, ClientState, ContactState, QuickConnectInfo } from '../agent-client';
import { ChatPanel } from './ChatPanel';
import { StatusBar, statusOptions } from './StatusBar';
import { quickConnectOptions, TransferPanel } from './TransferPanel';

// jsdom lacks matchMedia and ResizeObserver, which Mantine reads.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (q: string) => ({ matches: false, media: q, onchange: null, addEventListener: () => {}, removeEventListener: () => {},
    addListener: () => {}, removeListener: () => {}, dispatchEvent: () => false }),
});
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};
Element.prototype.scrollTo ??= () => {};
Element.prototype.scrollIntoView ??= () => {};
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;
let el: HTMLDivElement | null = null;

function render(node: React.ReactNode) {
  const div = document.createElement('div');
  document.body.appendChild(div);
  el = div;
  root = createRoot(div);
  act(() => root!.render(createElement(MantineProvider, null, node)));
}
const q = (id: string) => el!.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;

afterEach(() => {
  act(() => root?.unmount());
  root = null;
  el?.remove();
  el = null;
});

const contact = (over: Partial<ContactState> = {}): ContactState => ({
  contactId: 'c-1', channel: 'CHAT', queueId: 'q-sales', personalQueue: false, state: 'Connected',
  attributes: {}, autoAccepted: false, onHold: false, muted: false, messages: [], ...over,
});

const QCS: QuickConnectInfo[] = [
  { id: 'qc-1', name: 'Billing', type: 'QUEUE', queueId: 'q-billing' },
  { id: 'qc-2', name: 'Bob', type: 'USER', userId: 'u-bob' },
  { id: 'qc-3', name: 'Head office', type: 'PHONE_NUMBER', phoneNumber: '+442071234567' },
];

// fakeClient is the part of AgentClient the panels use, recording calls.
function fakeClient(over: Partial<Record<string, unknown>> = {}) {
  return {
    setState: vi.fn(async () => ({})),
    listQuickConnects: vi.fn(async () => QCS),
    transfer: vi.fn(async () => ({})),
    consult: vi.fn(async () => ({})),
    getTranscript: vi.fn(async () => [] as ChatItem[]),
    read: vi.fn(async () => ({})),
    typing: vi.fn(async () => ({})),
    on: vi.fn(() => () => {}),
    ...over,
  };
}
const asClient = (f: ReturnType<typeof fakeClient>) => f as unknown as AgentClient;

describe('StatusBar', () => {
  const state = (over: Partial<ClientState> = {}) => ({
    connection: 'ready', status: 'Offline', system: null,
    statuses: [{ name: 'Available', type: 'ROUTABLE' }, { name: 'Offline', type: 'OFFLINE' }, { name: 'Lunch', type: 'CUSTOM' }, { name: 'Break', type: 'CUSTOM' }],
    ...over,
  }) as ClientState;

  it('offers the statuses of the welcome, and keeps a current one that is no longer listed', () => {
    expect(statusOptions(state())).toEqual(['Available', 'Offline', 'Lunch', 'Break']);
    expect(statusOptions(state({ status: 'Training' }))).toEqual(['Available', 'Offline', 'Lunch', 'Break', 'Training']);
  });

  it('is a native select of those statuses that sets the chosen one, without a free-text field', async () => {
    const f = fakeClient();
    render(createElement(StatusBar, { client: asClient(f), state: state(), onError: () => {} }));
    const select = el!.querySelector('select[data-testid="status-select"]') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['Available', 'Offline', 'Lunch', 'Break']);
    expect(q('status-custom')).toBeNull();
    await act(async () => {
      select.value = 'Lunch';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(f.setState).toHaveBeenCalledWith('Lunch');
  });
});

describe('TransferPanel', () => {
  it('groups quick connects by type, phone numbers for calls only', () => {
    expect(quickConnectOptions(QCS, true)).toEqual([
      { group: 'Queues', items: [{ value: 'qc-1', label: 'Billing' }] },
      { group: 'Agents', items: [{ value: 'qc-2', label: 'Bob' }] },
      { group: 'Phone numbers', items: [{ value: 'qc-3', label: 'Head office (+442071234567)' }] },
    ]);
    expect(quickConnectOptions(QCS, false).map((g) => g.group)).toEqual(['Queues', 'Agents']);
    expect(quickConnectOptions([], true)).toEqual([]);
  });

  it('transfers to the quick connect picked from the list', async () => {
    const f = fakeClient();
    const run = vi.fn((_label: string, fn: () => Promise<unknown>) => void fn());
    render(createElement(TransferPanel, { client: asClient(f), contact: contact(), run }));
    await act(async () => {});
    expect(f.listQuickConnects).toHaveBeenCalled();
    expect((q('transfer') as HTMLButtonElement).disabled).toBe(true);
    expect(q('transfer-target')).toBeNull(); // the typed target is the advanced option
    const input = q('quick-connect-select') as HTMLInputElement;
    await act(async () => input.click());
    const options = [...document.querySelectorAll('[role="option"]')];
    expect(options.map((o) => o.textContent)).toEqual(['Billing', 'Bob']); // a chat: no phone numbers
    await act(async () => (options[1] as HTMLElement).click());
    await act(async () => q('transfer')!.click());
    expect(f.transfer).toHaveBeenCalledWith('c-1', { quickConnectId: 'qc-2' });
  });

  it('types a target as the advanced option, and by default when there are no quick connects', async () => {
    const f = fakeClient({ listQuickConnects: vi.fn(async () => []) });
    const run = vi.fn((_label: string, fn: () => Promise<unknown>) => void fn());
    render(createElement(TransferPanel, { client: asClient(f), contact: contact({ channel: 'VOICE' }), run }));
    await act(async () => {});
    expect(q('quick-connect-select')).toBeNull();
    const kind = q('transfer-kind') as HTMLSelectElement;
    await act(async () => {
      kind.value = 'phoneNumber';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const target = q('transfer-target') as HTMLInputElement;
    await act(async () => {
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      set.call(target, '+15550199');
      target.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => q('consult')!.click());
    expect(f.consult).toHaveBeenCalledWith('c-1', { phoneNumber: '+15550199' });
  });
});

describe('ChatPanel', () => {
  it('loads the transcript of a chat it has no messages for, once', async () => {
    const f = fakeClient();
    render(createElement(ChatPanel, { client: asClient(f), contact: contact(), onError: () => {} }));
    await act(async () => {});
    expect(f.getTranscript).toHaveBeenCalledExactlyOnceWith('c-1');
    expect(q('chat-empty')?.textContent).toBe('No messages yet.');
  });

  it('does not read the transcript when it has messages, or for an offer', async () => {
    const f = fakeClient();
    const msg: ChatItem = { id: 'm-1', participantRole: 'CUSTOMER', contentType: 'text/plain', content: 'Hi', time: 't', own: false };
    render(createElement(ChatPanel, { client: asClient(f), contact: contact({ messages: [msg] }), onError: () => {} }));
    await act(async () => {});
    act(() => root!.render(createElement(MantineProvider, null,
      createElement(ChatPanel, { client: asClient(f), contact: contact({ contactId: 'c-2', state: 'Pending' }), onError: () => {} }))));
    await act(async () => {});
    expect(f.getTranscript).not.toHaveBeenCalled();
  });

  it('reports a transcript that cannot be read', async () => {
    const onError = vi.fn();
    const f = fakeClient({ getTranscript: vi.fn(async () => { throw new Error('chat_failed'); }) });
    render(createElement(ChatPanel, { client: asClient(f), contact: contact({ state: 'AfterContactWork' }), onError }));
    await act(async () => {});
    expect(onError).toHaveBeenCalledWith('chat history: chat_failed');
  });
});
