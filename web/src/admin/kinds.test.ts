import { describe, expect, it } from 'vitest';
import { refOptions } from './form';
import { kinds, queueBody, userBody } from './kinds';

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
