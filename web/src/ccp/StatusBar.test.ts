import { describe, expect, it } from 'vitest';
import type { ContactState } from '../agent-client';
import { activity, statusOptions } from './StatusBar';

const contact = (id: string, state: ContactState['state']): ContactState =>
  ({ contactId: id, channel: 'CHAT', personalQueue: false, state }) as ContactState;

describe('activity', () => {
  it('shows after-contact work first, then a connected contact, then an offer', () => {
    expect(activity({ contacts: {} })).toBeUndefined();
    expect(activity({ contacts: { a: contact('a', 'Pending') } })).toBe('Incoming');
    expect(activity({ contacts: { a: contact('a', 'Pending'), b: contact('b', 'Connected') } })).toBe('On contact');
    expect(activity({ contacts: { b: contact('b', 'Connected'), c: contact('c', 'AfterContactWork') } })).toBe('After contact work');
  });
});

describe('statusOptions', () => {
  it('keeps a status the agent holds that is no longer listed', () => {
    const statuses = [{ name: 'Available', type: 'ROUTABLE' }, { name: 'Offline', type: 'OFFLINE' }];
    expect(statusOptions({ statuses, status: 'Available' })).toEqual(['Available', 'Offline']);
    expect(statusOptions({ statuses, status: 'Lunch' })).toEqual(['Available', 'Offline', 'Lunch']);
  });
});
