// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../lib/http';
import { fieldErrors, toBody, type FieldSpec, type Values } from './form';
import { ResourceForm } from './ResourceForm';
import { routingProfileBody } from './kinds';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const fields: FieldSpec[] = [
  { name: 'name', label: 'Name', required: true },
  { name: 'maxContacts', label: 'Max contacts', type: 'number' },
  { name: 'outboundCallerId.number', label: 'Caller ID number' },
  { name: 'password', label: 'Password', type: 'password', writeOnly: true },
];

let root: Root | undefined;
let host: HTMLElement;

function render(error: unknown, values: Values = { name: 'Sales' }) {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  act(() => {
    root!.render(
      <MantineProvider>
        <ResourceForm fields={fields} values={values} onChange={() => {}} error={error} />
      </MantineProvider>,
    );
  });
}

beforeAll(() => {
  // Mantine reads media queries; jsdom has none.
  window.matchMedia ??= ((q: string) => ({ matches: false, media: q, onchange: null, addListener() {}, removeListener() {},
    addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false })) as unknown as typeof window.matchMedia;
});

afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

describe('ResourceForm', () => {
  it('shows the API error on the field it names, and the rest above the form', () => {
    const err = new ApiError(400, 'invalid', 'name: already exists', [
      { field: 'name', message: 'a queue named "Sales" already exists' },
      { field: 'outboundCallerId.number', message: 'must be E.164' },
      { field: 'hoursOfOperationId', message: 'no such hours of operation' },
    ]);
    render(err);
    const name = host.querySelector<HTMLInputElement>('[data-testid="field-name"]')!;
    expect(name).not.toBeNull();
    expect(name.value).toBe('Sales');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    const described = name.getAttribute('aria-describedby') ?? '';
    const texts = described.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join('|');
    expect(texts).toContain('a queue named "Sales" already exists');
    const caller = host.querySelector<HTMLInputElement>('[data-testid="field-outboundCallerId.number"]')!;
    expect(caller.getAttribute('aria-invalid')).toBe('true');
    expect(host.textContent).toContain('must be E.164');
    expect(host.querySelector('[data-testid="form-error"]')!.textContent).toContain('hoursOfOperationId: no such hours of operation');
    expect(host.querySelector<HTMLInputElement>('[data-testid="field-maxContacts"]')!.getAttribute('aria-invalid')).not.toBe('true');
  });

  it('shows a failure without fields as a general error', () => {
    render(new ApiError(409, 'conflict', 'the version is 2, not 1'));
    expect(host.querySelector('[data-testid="form-error"]')!.textContent).toContain('the version is 2, not 1');
  });
});

describe('form model', () => {
  it('maps nested and indexed API fields to the closest form field', () => {
    const { byField, general } = fieldErrors(new ApiError(400, 'invalid', 'x', [{ field: 'outboundCallerId.number.x[0]', message: 'bad' }]), fields);
    expect(byField['outboundCallerId.number']).toBe('outboundCallerId.number.x[0]: bad');
    expect(general).toEqual([]);
  });

  it('keeps unshown fields, drops empty write-only ones and numbers typed as text', () => {
    const body = toBody({ id: 'q1', version: 3, status: 'ENABLED', name: 'Old' }, { name: 'New', password: '', maxContacts: '7' }, fields);
    expect(body).toEqual({ id: 'q1', version: 3, status: 'ENABLED', name: 'New', maxContacts: 7 });
  });

  it('builds a routing profile from the queue list and concurrencies', () => {
    const old = { id: 'rp', version: 2, name: 'Desk', queues: [{ queueId: 'q1', channel: 'VOICE', priority: 3, delaySeconds: 5 }] };
    const b = routingProfileBody({ ...old, queueIds: ['q1', 'q2'], voiceConcurrency: 1, chatConcurrency: 2 }, old);
    expect(b.queues).toEqual([
      { queueId: 'q1', channel: 'VOICE', priority: 3, delaySeconds: 5 },
      { queueId: 'q1', channel: 'CHAT', priority: 1, delaySeconds: 0 },
      { queueId: 'q2', channel: 'VOICE', priority: 1, delaySeconds: 0 },
      { queueId: 'q2', channel: 'CHAT', priority: 1, delaySeconds: 0 },
    ]);
    expect(b.mediaConcurrencies).toEqual([{ channel: 'VOICE', concurrency: 1 }, { channel: 'CHAT', concurrency: 2 }]);
    expect(b).not.toHaveProperty('queueIds');
    expect(b.version).toBe(2);
  });
});
