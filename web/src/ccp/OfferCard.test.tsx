// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import type { ContactState } from '../agent-client';
import { OfferCard } from './OfferCard';

// jsdom lacks matchMedia, which Mantine reads.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (q: string) => ({ matches: false, media: q, onchange: null, addEventListener: () => {}, removeEventListener: () => {},
    addListener: () => {}, removeListener: () => {}, dispatchEvent: () => false }),
});
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const offer = (over: Partial<ContactState> = {}): ContactState => ({
  contactId: 'c-1', channel: 'CHAT', queueId: 'q-sales', personalQueue: false, state: 'Pending',
  offerExpiresAt: '2026-01-01T00:00:20.000Z', attributes: { customerName: 'Jo', topic: 'billing' },
  autoAccepted: false, onHold: false, muted: false, messages: [], ...over,
});

let root: Root | null = null;
let el: HTMLDivElement;

function render(node: React.ReactNode) {
  el = document.createElement('div');
  document.body.appendChild(el);
  root = createRoot(el);
  act(() => root!.render(createElement(MantineProvider, null, node)));
}
const q = (id: string) => el.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;

afterEach(() => {
  act(() => root?.unmount());
  root = null;
  el.remove();
});

describe('OfferCard', () => {
  it('shows the time left, the screen pop, and accepts', async () => {
    const accept = vi.fn(async () => {});
    const reject = vi.fn(async () => {});
    render(createElement(OfferCard, { contact: offer(), onAccept: accept, onReject: reject, now: Date.parse('2026-01-01T00:00:05.000Z') }));
    expect(q('offer-countdown')?.textContent).toBe('15 s');
    expect(q('attribute-customerName')?.textContent).toContain('Jo');
    expect(q('attribute-topic')?.textContent).toContain('billing');
    await act(async () => q('offer-accept')!.click());
    expect(accept).toHaveBeenCalledOnce();
    expect(reject).not.toHaveBeenCalled();
  });

  it('disables the buttons once the offer expired', () => {
    render(createElement(OfferCard, { contact: offer(), onAccept: async () => {}, onReject: async () => {}, now: Date.parse('2026-01-01T00:01:00.000Z') }));
    expect(q('offer-countdown')?.textContent).toBe('0 s');
    expect((q('offer-accept') as HTMLButtonElement).disabled).toBe(true);
    expect((q('offer-reject') as HTMLButtonElement).disabled).toBe(true);
  });

  it('ticks down with the clock', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-01-01T00:00:10.000Z'));
    try {
      render(createElement(OfferCard, { contact: offer(), onAccept: async () => {}, onReject: async () => {} }));
      expect(q('offer-countdown')?.textContent).toBe('10 s');
      await act(async () => {
        vi.advanceTimersByTime(3000);
      });
      expect(q('offer-countdown')?.textContent).toBe('7 s');
    } finally {
      vi.useRealTimers();
    }
  });
});
