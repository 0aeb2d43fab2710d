// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../lib/http';
import { kinds } from './kinds';
import { ResourceForm } from './ResourceForm';
import { routingProfileValues, type QueueRow } from './routingProfile';
import type { Values } from './form';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const rp = kinds.find((k) => k.key === 'routing-profiles')!;
const queues = [{ id: 'q1', name: 'Sales' }, { id: 'q2', name: 'Support' }];
const stored = {
  id: 'rp1', version: 1, name: 'Desk',
  queues: [{ queueId: 'q1', channel: 'VOICE', priority: 1, delaySeconds: 0 }, { queueId: 'q2', channel: 'CHAT', priority: 3, delaySeconds: 15 }],
  mediaConcurrencies: [{ channel: 'VOICE', concurrency: 1 }, { channel: 'CHAT', concurrency: 2 }],
};

let root: Root | undefined;
let host: HTMLElement;
let values: Values;

function render(v: Values, error?: unknown) {
  values = v;
  host ??= document.body.appendChild(document.createElement('div'));
  root ??= createRoot(host);
  const draw = () =>
    root!.render(
      <MantineProvider>
        <ResourceForm fields={rp.fields} values={values} refItems={{ queues }} error={error} editing
          onChange={(nv) => { values = nv; draw(); }} />
      </MantineProvider>,
    );
  act(draw);
}

const q = <T extends Element = HTMLInputElement>(id: string) => host.querySelector<T>(`[data-testid="${id}"]`);

beforeAll(() => {
  window.matchMedia ??= ((m: string) => ({ matches: false, media: m, onchange: null, addListener() {}, removeListener() {},
    addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false })) as unknown as typeof window.matchMedia;
  // The description's autosizing Textarea listens to document.fonts; jsdom has none.
  const d = document as unknown as { fonts?: unknown };
  d.fonts ??= { addEventListener() {}, removeEventListener() {} };
  // Mantine's table scroll container observes its size.
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
});

afterEach(() => {
  act(() => root?.unmount());
  root = undefined;
  host?.remove();
  host = undefined as unknown as HTMLElement;
});

describe('RoutingQueuesEditor in the routing profile form', () => {
  it('shows a row per queues[] entry with its queue, channel, priority and delay', () => {
    render(routingProfileValues(stored));
    expect(host.querySelectorAll('[data-testid^="rpq-row-"]')).toHaveLength(2);
    expect(q('rpq-0-queue')!.value).toBe('Sales');
    expect(q('rpq-1-queue')!.value).toBe('Support');
    expect(q('rpq-1-channel')!.value).toBe('CHAT');
    expect(q('rpq-1-priority')!.value).toBe('3');
    expect(q('rpq-1-delay')!.value).toBe('15');
    expect(q('rpq-0-priority')!.getAttribute('aria-label')).toBe('Priority (row 1)');
    expect(q('field-defaultOutboundQueueId')).not.toBeNull();
  });

  it('adds and removes rows', () => {
    render(routingProfileValues(stored));
    act(() => q<HTMLButtonElement>('rpq-add')!.click());
    let rows = values.queues as QueueRow[];
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ queueId: '', channel: 'VOICE', priority: 1, delaySeconds: 0 });
    expect(host.querySelectorAll('[data-testid^="rpq-row-"]')).toHaveLength(3);
    act(() => q<HTMLButtonElement>('rpq-0-remove')!.click());
    rows = values.queues as QueueRow[];
    expect(rows.map((r) => r.queueId)).toEqual(['q2', '']);
    expect(q('rpq-0-queue')!.value).toBe('Support');
  });

  it('puts queues[i].<field> errors on row i\'s inputs, not above the form', () => {
    const err = new ApiError(400, 'invalid', 'invalid routing profile', [
      { field: 'queues[1].priority', message: 'must be between 1 and 99' },
      { field: 'queues[0].channel', message: 'channel VOICE has no entry in mediaConcurrencies' },
      { field: 'queues', message: 'the list is odd' },
    ]);
    render(routingProfileValues(stored), err);
    const prio = q('rpq-1-priority')!;
    expect(prio.getAttribute('aria-invalid')).toBe('true');
    const described = (prio.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join('|');
    expect(described).toContain('must be between 1 and 99');
    expect(q('rpq-0-channel')!.getAttribute('aria-invalid')).toBe('true');
    expect(q('rpq-0-priority')!.getAttribute('aria-invalid')).not.toBe('true');
    expect(q('rpq-1-channel')!.getAttribute('aria-invalid')).not.toBe('true');
    expect(q<HTMLElement>('routing-queues-error')!.textContent).toBe('the list is odd');
    expect(q('form-error')).toBeNull();
  });
});
