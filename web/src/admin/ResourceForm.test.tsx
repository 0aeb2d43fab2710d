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
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
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

describe('ResourceForm multiselect', () => {
  const qcField: FieldSpec = { name: 'quickConnectIds', label: 'Quick connects', type: 'multiselect', ref: { path: 'quick-connects' } };
  const refItems = { 'quick-connects': [{ id: 'qc1', name: 'Billing' }, { id: 'qc2', name: 'Head office' }, { id: 'qc3', name: 'Escalate' }] };

  function renderMulti(values: Values, error?: unknown) {
    const changes: Values[] = [];
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
    act(() => {
      root!.render(
        <MantineProvider>
          <ResourceForm fields={[qcField]} values={values} onChange={(v) => changes.push(v)} error={error} refItems={refItems} />
        </MantineProvider>,
      );
    });
    return changes;
  }

  it('shows the chosen items by the names of the ref kind, and the API error of an entry on the field', () => {
    renderMulti({ quickConnectIds: ['qc2', 'qc1'] }, new ApiError(422, 'invalid', 'x', [{ field: 'quickConnectIds[1]', message: 'no quick-connect with id "qc1"' }]));
    const input = host.querySelector<HTMLInputElement>('[data-testid="field-quickConnectIds"]')!;
    expect(input).not.toBeNull();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const pills = [...host.querySelectorAll('.mantine-Pill-label')].map((p) => p.textContent);
    expect(pills).toEqual(['Head office', 'Billing']);
    expect(host.textContent).toContain('Quick connects');
    expect(host.textContent).toContain('quickConnectIds[1]: no quick-connect with id "qc1"');
  });

  it('adds a picked option to the list', () => {
    const changes = renderMulti({ quickConnectIds: ['qc1'] });
    const input = host.querySelector<HTMLInputElement>('[data-testid="field-quickConnectIds"]')!;
    act(() => {
      input.focus();
      input.click();
    });
    const option = [...document.querySelectorAll<HTMLElement>('[role="option"]')].find((o) => o.textContent === 'Escalate');
    expect(option).toBeDefined();
    act(() => {
      option!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
      option!.click();
    });
    expect(changes.at(-1)).toEqual({ quickConnectIds: ['qc1', 'qc3'] });
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
