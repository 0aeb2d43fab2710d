import { describe, expect, it } from 'vitest';
import { refOptions } from './form';
import { kinds, queueBody, userBody } from './kinds';
import { toBody } from './form';
import { visibleKinds } from './AdminApp';
import { originAllowed } from './chatWidget';

const kind = (key: string) => kinds.find((k) => k.key === key)!;

describe('queue form', () => {
  it('offers only OUTBOUND_WHISPER flows as the outbound whisper flow', () => {
    const f = kind('queues').fields.find((x) => x.name === 'outboundCallerId.flowId')!;
    const flows = [{ id: 'f1', name: 'Inbound', type: 'CONTACT_FLOW' }, { id: 'f2', name: 'Whisper', type: 'OUTBOUND_WHISPER' }];
    expect(refOptions(f, flows)).toEqual([{ value: 'f2', label: 'Whisper' }]);
  });

  it('sends the outbound caller ID set, and none when all of it is empty', () => {
    const o = { id: 'q1', version: 2, name: 'Sales', hoursOfOperationId: 'h1', maxContacts: 0, status: 'ENABLED' };
    expect(queueBody({ ...o, outboundCallerId: { name: 'Acme', number: '+15550100', flowId: '' }, maxContacts: 5 }, o))
      .toEqual({ ...o, maxContacts: 5, outboundCallerId: { name: 'Acme', number: '+15550100' } });
    expect(queueBody({ ...o, outboundCallerId: { name: '', number: '', flowId: '' }, maxContacts: undefined }, { ...o, outboundCallerId: { name: 'Old' } }))
      .toEqual(o);
  });

  it('associates quick connects: a multi-select of the instance\'s, sent as chosen and cleared as []', () => {
    const f = kind('queues').fields.find((x) => x.name === 'quickConnectIds')!;
    expect(f).toMatchObject({ label: 'Quick connects', type: 'multiselect', ref: { path: 'quick-connects' } });
    expect(refOptions(f, [{ id: 'qc1', name: 'Billing' }, { id: 'qc2', name: 'Head office' }]))
      .toEqual([{ value: 'qc1', label: 'Billing' }, { value: 'qc2', label: 'Head office' }]);
    const o = { id: 'q1', version: 2, name: 'Sales', hoursOfOperationId: 'h1', maxContacts: 0, status: 'ENABLED', quickConnectIds: ['qc1'] };
    expect(queueBody({ ...o, quickConnectIds: ['qc1', 'qc2'] }, o)).toEqual({ ...o, quickConnectIds: ['qc1', 'qc2'] });
    expect(queueBody({ ...o, quickConnectIds: [] }, o)).toEqual({ ...o, quickConnectIds: [] });
    // a field the form does not change is kept
    expect(queueBody({ name: 'Sales 2' }, o)).toEqual({ ...o, name: 'Sales 2' });
  });
});

describe('user form', () => {
  it('has the phone, device password, auto-accept, ACW and profile fields', () => {
    const names = kind('users').fields.map((f) => f.name);
    for (const n of ['phoneType', 'deskPhoneNumber', 'devicePassword', 'autoAccept', 'afterContactWorkTimeoutSeconds', 'securityProfileIds', 'routingProfileId']) {
      expect(names).toContain(n);
    }
    const dp = kind('users').fields.find((f) => f.name === 'devicePassword')!;
    expect(dp.showIf!({ phoneType: 'DESK_PHONE' })).toBe(true);
    expect(dp.showIf!({ phoneType: 'SOFT_PHONE' })).toBe(false);
    expect(dp.describe!({ hasDevicePassword: true })).toContain('One is set');
    expect(dp.describe!({ hasDevicePassword: false })).toContain('None is set');
  });

  it('sends write-only passwords only when typed, never hasDevicePassword', () => {
    const o = { id: 'u1', version: 1, username: 'ann', securityProfileIds: ['sp'], phoneType: 'SOFT_PHONE', hasDevicePassword: true, autoAccept: false, afterContactWorkTimeoutSeconds: 0 };
    expect(userBody({ ...o, phoneType: 'DESK_PHONE', deskPhoneNumber: 'sip:registered', password: '', devicePassword: '' }, o))
      .toEqual({ id: 'u1', version: 1, username: 'ann', securityProfileIds: ['sp'], phoneType: 'DESK_PHONE', deskPhoneNumber: 'sip:registered', autoAccept: false, afterContactWorkTimeoutSeconds: 0 });
    expect(userBody({ ...o, devicePassword: 'secret123' }, o).devicePassword).toBe('secret123');
  });
});

describe('chat widget form', () => {
  const spec = kind('chat-widgets');
  const field = (n: string) => spec.fields.find((f) => f.name === n)!;

  it('has a field for every API field, the flow select offering only contact flows', () => {
    expect(spec.fields.map((f) => f.name)).toEqual(['name', 'description', 'contactFlowId', 'allowedOrigins', 'title', 'color', 'displayName', 'disabled', 'requireToken', 'securityKey']);
    expect(field('contactFlowId')).toMatchObject({ type: 'select', required: true });
    const flows = [{ id: 'f1', name: 'Inbound', type: 'CONTACT_FLOW' }, { id: 'f2', name: 'Queue music', type: 'CUSTOMER_QUEUE' }];
    expect(refOptions(field('contactFlowId'), flows)).toEqual([{ value: 'f1', label: 'Inbound' }]);
    expect(field('allowedOrigins')).toMatchObject({ type: 'list', required: true });
    expect(field('disabled').type).toBe('checkbox');
    expect(field('requireToken').type).toBe('checkbox');
    const key = field('securityKey');
    expect(key).toMatchObject({ type: 'password', writeOnly: true });
    expect(key.generate!.label).toBe('Generate key');
    expect(key.showIf!({ requireToken: true })).toBe(true);
    expect(key.showIf!({ requireToken: false })).toBe(false);
    expect(key.describe!({ hasSecurityKey: true })).toContain('One is set');
    expect(key.describe!({ hasSecurityKey: false })).toContain('None is set');
    expect(spec.columns.map((c) => c.key)).toEqual(['name', 'contactFlowId', 'allowedOrigins', 'disabled']);
  });

  it('maps every field to the body of a new widget', () => {
    const values = {
      ...spec.defaults, name: 'Website', description: 'Main site', contactFlowId: 'f1', allowedOrigins: ['https://www.example.com', ' https://*.example.com '],
      title: 'Ask us', color: '#1a73e8', displayName: 'Visitor', disabled: true, requireToken: true, securityKey: 'k'.repeat(43),
    };
    const body = spec.toBody!(values, undefined);
    expect(body).toEqual({
      name: 'Website', description: 'Main site', contactFlowId: 'f1', allowedOrigins: ['https://www.example.com', 'https://*.example.com'],
      title: 'Ask us', color: '#1a73e8', displayName: 'Visitor', disabled: true, requireToken: true, securityKey: 'k'.repeat(43),
    });
    // the generic body would have sent the same fields
    expect(Object.keys(toBody(undefined, values, spec.fields)).sort()).toEqual(Object.keys(body).sort());
  });

  it('leaves out an empty security key on update (the stored one is kept), hasSecurityKey, and empty texts', () => {
    const o = { id: 'w1', instanceId: 'i1', version: 3, name: 'Website', contactFlowId: 'f1', allowedOrigins: ['https://www.example.com'],
      title: 'Ask us', disabled: false, requireToken: true, hasSecurityKey: true };
    expect(spec.toBody!({ ...o, securityKey: '', title: '', color: '' }, o)).toEqual({
      id: 'w1', instanceId: 'i1', version: 3, name: 'Website', contactFlowId: 'f1', allowedOrigins: ['https://www.example.com'], disabled: false, requireToken: true,
    });
    expect(spec.toBody!({ ...o, securityKey: 'n'.repeat(43) }, o).securityKey).toBe('n'.repeat(43));
    // a key typed, then hidden by unticking "Require a token", is not sent
    expect(spec.toBody!({ ...o, requireToken: false, securityKey: 'n'.repeat(43) }, o)).not.toHaveProperty('securityKey');
  });

  it('is in the admin navigation under the API\'s permission area of chat widgets (numbers, as phone numbers: entry points)', () => {
    expect(spec).toMatchObject({ title: 'Chat widgets', path: 'chat-widgets', perm: 'numbers.read', editPerm: 'numbers.edit' });
    expect(visibleKinds(false, (p) => p === 'numbers.read').map((k) => k.key)).toEqual(['phone-numbers', 'trunks', 'chat-widgets']);
    expect(visibleKinds(false, (p) => p === 'flows.read').map((k) => k.key)).not.toContain('chat-widgets');
  });
});

describe('originAllowed', () => {
  it('matches scheme, host and port, and a leftmost wildcard below its domain only', () => {
    const allowed = ['https://www.example.com', 'http://localhost:8080', 'https://*.shop.example.org'];
    expect(originAllowed('https://www.example.com', allowed)).toBe(true);
    expect(originAllowed('https://WWW.example.com:443', allowed)).toBe(true);
    expect(originAllowed('http://www.example.com', allowed)).toBe(false);
    expect(originAllowed('http://localhost:8080', allowed)).toBe(true);
    expect(originAllowed('http://localhost:8081', allowed)).toBe(false);
    expect(originAllowed('https://a.b.shop.example.org', allowed)).toBe(true);
    expect(originAllowed('https://shop.example.org', allowed)).toBe(false);
    expect(originAllowed('https://evilshop.example.org', allowed)).toBe(false);
  });
});
