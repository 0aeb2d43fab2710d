import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/http';
import { fieldErrors } from './form';
import { kinds } from './kinds';
import { newRow, queueRowErrors, routingProfileBody, routingProfileErrorField, routingProfileValues, rowsFromApi, rowsToApi, type QueueRow } from './routingProfile';

const stored = {
  id: 'rp1', version: 4, instanceId: 'i1', name: 'Support', defaultOutboundQueueId: 'q1',
  queues: [
    { queueId: 'q1', channel: 'VOICE', priority: 1, delaySeconds: 0 },
    { queueId: 'q1', channel: 'CHAT', priority: 2, delaySeconds: 30 },
    { queueId: 'q2', channel: 'VOICE', priority: 5, delaySeconds: 10 },
  ],
  mediaConcurrencies: [{ channel: 'VOICE', concurrency: 1 }, { channel: 'CHAT', concurrency: 3 }],
};

describe('routing profile queue table ↔ API JSON', () => {
  it('round-trips queues[] through the rows unchanged, in order', () => {
    const rows = rowsFromApi(stored.queues);
    expect(rows.map((r) => [r.queueId, r.channel, r.priority, r.delaySeconds])).toEqual([['q1', 'VOICE', 1, 0], ['q1', 'CHAT', 2, 30], ['q2', 'VOICE', 5, 10]]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
    expect(rowsToApi(rows)).toEqual(stored.queues);
  });

  it('edits priority, delay and channel per row, and keeps the rest of the profile', () => {
    const v = routingProfileValues(stored);
    expect(v.concurrency).toEqual({ VOICE: 1, CHAT: 3, TASK: 0 });
    const rows = (v.queues as QueueRow[]).map((r, i) => (i === 2 ? { ...r, priority: 7, delaySeconds: '' as const, channel: 'TASK' } : r));
    const body = routingProfileBody({ ...v, queues: rows, concurrency: { VOICE: 1, CHAT: 3, TASK: 2 } }, stored);
    expect(body).toEqual({
      id: 'rp1', version: 4, instanceId: 'i1', name: 'Support', defaultOutboundQueueId: 'q1',
      queues: [stored.queues[0], stored.queues[1], { queueId: 'q2', channel: 'TASK', priority: 7, delaySeconds: 0 }],
      mediaConcurrencies: [{ channel: 'VOICE', concurrency: 1 }, { channel: 'CHAT', concurrency: 3 }, { channel: 'TASK', concurrency: 2 }],
    });
  });

  it('sends incomplete rows (so errors keep their index), empty priority as 1, and drops channels at 0 and an empty outbound queue', () => {
    const added = newRow({ VOICE: 0, CHAT: 2 });
    expect(added).toMatchObject({ queueId: '', channel: 'CHAT', priority: 1, delaySeconds: 0 });
    const body = routingProfileBody({ name: 'New', queues: [{ ...added, priority: '' }], concurrency: { VOICE: 0, CHAT: 2, TASK: 0 }, defaultOutboundQueueId: '' }, undefined);
    expect(body).toEqual({ name: 'New', queues: [{ queueId: '', channel: 'CHAT', priority: 1, delaySeconds: 0 }], mediaConcurrencies: [{ channel: 'CHAT', concurrency: 2 }] });
  });

  it('starts a new profile with one voice contact at a time and no queues', () => {
    expect(routingProfileValues(undefined)).toEqual({ queues: [], concurrency: { VOICE: 1, CHAT: 0, TASK: 0 }, defaultOutboundQueueId: '' });
  });
});

describe('routing profile errors', () => {
  const err = new ApiError(400, 'invalid', 'invalid routing profile', [
    { field: 'queues[0].priority', message: 'must be between 1 and 99' },
    { field: 'queues[0].delaySeconds', message: 'must be between 0 and 9999' },
    { field: 'queues[2]', message: 'queue q1 is listed twice for channel VOICE' },
    { field: 'queues[2].channel', message: 'channel TASK has no entry in mediaConcurrencies' },
    { field: 'queues[1].queueId', message: 'no such queue' },
    { field: 'queues', message: 'too many' },
    { field: 'name', message: 'is required' },
  ]);

  it('maps queues[i].<field> onto row i', () => {
    const e = queueRowErrors(err);
    expect(e.rows[0]).toEqual({ priority: 'must be between 1 and 99', delaySeconds: 'must be between 0 and 9999' });
    expect(e.rows[1]).toEqual({ queueId: 'no such queue' });
    expect(e.rows[2]).toEqual({ queueId: 'queue q1 is listed twice for channel VOICE', channel: 'channel TASK has no entry in mediaConcurrencies' });
    expect(e.list).toEqual(['too many']);
    expect(queueRowErrors(new Error('x'))).toEqual({ rows: {}, list: [] });
  });

  it('keeps row errors out of the form-level alert', () => {
    const rp = kinds.find((k) => k.key === 'routing-profiles')!;
    const { byField, general } = fieldErrors(err, rp.fields);
    expect(general).toEqual([]);
    expect(byField.name).toBe('is required');
  });

  it('maps mediaConcurrencies[i] onto the input of the i-th channel sent', () => {
    const v = { concurrency: { VOICE: 0, CHAT: 3, TASK: 20 } };
    expect(routingProfileErrorField('mediaConcurrencies[1].concurrency', v)).toBe('concurrency.TASK');
    expect(routingProfileErrorField('mediaConcurrencies[0].channel', v)).toBe('concurrency.CHAT');
    expect(routingProfileErrorField('queues[0].priority', v)).toBe('queues[0].priority');
  });
});
