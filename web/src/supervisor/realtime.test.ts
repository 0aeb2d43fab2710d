import { describe, expect, it } from 'vitest';
import { chartRows, formatAge, groupAgents, mergeSamples, oldestAgeSeconds, SSEParser, type RealtimeAgent, type RealtimeQueue } from './realtime';

describe('SSEParser', () => {
  it('splits events across chunk boundaries and skips comments and retry', () => {
    const p = new SSEParser();
    const stream = 'retry: 3000\n\nevent: history\ndata: {"intervalSeconds":10,"samples":[]}\n\n: keep-alive\n\nevent: snapshot\ndata: {"a":1}\r\n\r\nevent: sample\ndata: {"b":2}\n\n';
    const events = [];
    for (let i = 0; i < stream.length; i += 7) events.push(...p.push(stream.slice(i, i + 7)));
    expect(events).toEqual([
      { event: 'history', data: '{"intervalSeconds":10,"samples":[]}' },
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'sample', data: '{"b":2}' },
    ]);
  });
});

const agent = (id: string, activity: string, name = ''): RealtimeAgent => ({
  id, name, status: activity, activity, statusSince: '2026-01-01T00:00:00Z', contacts: [],
});

describe('groupAgents', () => {
  it('puts working states first, custom statuses next and Offline last', () => {
    const g = groupAgents([agent('1', 'Offline'), agent('2', 'Lunch'), agent('3', 'OnContact', 'Zoe'), agent('4', 'Available'), agent('5', 'OnContact', 'Ann')]);
    expect(g.map((x) => x.activity)).toEqual(['Available', 'OnContact', 'Lunch', 'Offline']);
    expect(g[1].agents.map((a) => a.name)).toEqual(['Ann', 'Zoe']);
  });
});

describe('queue ages', () => {
  const q: RealtimeQueue = { id: 'q', name: 'Support', open: true, inQueue: 1, waiting: 1, oldestEnqueuedAt: '2026-01-01T10:00:00.000Z', oldestAgeSeconds: 0 };
  it('counts on the server clock and formats', () => {
    const at = Date.parse('2026-01-01T10:01:05.000Z');
    expect(oldestAgeSeconds(q, at, 0)).toBe(65);
    expect(oldestAgeSeconds(q, at + 5000, 5000)).toBe(65); // the browser's clock is 5 s ahead
    expect(oldestAgeSeconds({ ...q, oldestEnqueuedAt: undefined }, at, 0)).toBeNull();
    expect(formatAge(65)).toBe('1:05');
    expect(formatAge(3723)).toBe('1:02:03');
    expect(formatAge(null)).toBe('—');
  });
});

describe('history', () => {
  it('appends newer samples, keeps the last hour and makes one row per sample', () => {
    const s = (min: number, n: number) => ({ time: new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString(), inQueue: { q: n } });
    let h = mergeSamples([], [s(0, 0), s(30, 1)]);
    h = mergeSamples(h, [s(30, 9), s(61, 2)]); // a repeat is dropped; 10:00 falls out of the hour
    expect(h.map((x) => x.inQueue.q)).toEqual([1, 2]);
    const queues: RealtimeQueue[] = [{ id: 'q', name: 'Q', open: true, inQueue: 0, waiting: 0, oldestAgeSeconds: 0 }, { id: 'r', name: 'R', open: true, inQueue: 0, waiting: 0, oldestAgeSeconds: 0 }];
    expect(chartRows(h, queues)).toEqual([
      { t: Date.parse(s(30, 1).time), q: 1, r: 0 },
      { t: Date.parse(s(61, 2).time), q: 2, r: 0 },
    ]);
  });
});
