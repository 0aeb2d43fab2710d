// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../lib/http';
import { fieldErrors, toBody, type FieldSpec, type Values } from './form';
import { ResourceForm } from './ResourceForm';

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
});
