import { describe, expect, it } from 'vitest';
import { applyItem, CT, initialModel, parseFrame, sortLines, TYPING_SHOWN_MS, whoIsTyping, type ChatModel, type Item } from './model';

const me = 'p-customer';

// frame wraps an item the way the server sends it: the item as a JSON string in content.
const frame = (item: Item) => JSON.stringify({ topic: 'aws/chat', content: JSON.stringify(item) });

function feed(items: Item[], now = 1_000): ChatModel {
  let m: ChatModel = { ...initialModel(), phase: 'open', me };
  for (const it of items) {
    const f = parseFrame(frame(it));
    if (f.kind !== 'item') throw new Error(`not an item: ${JSON.stringify(f)}`);
    m = applyItem(m, f.item, now);
  }
  return m;
}

describe('parseFrame', () => {
  it('reads chat items, subscriptions, heartbeats and rejects garbage', () => {
    const item: Item = { Id: 'm1', Type: 'MESSAGE', ContentType: 'text/plain', Content: 'hi' };
    expect(parseFrame(frame(item))).toEqual({ kind: 'item', item });
    expect(parseFrame('{"topic":"aws/subscribe","content":{"status":"success","topics":["aws/chat"]}}')).toEqual({ kind: 'subscribed', ok: true });
    expect(parseFrame('{"topic":"aws/subscribe","content":{"status":"failure","topics":["x"]}}')).toEqual({ kind: 'subscribed', ok: false });
    expect(parseFrame('{"topic":"aws/heartbeat"}')).toEqual({ kind: 'control' });
    expect(parseFrame('{"topic":"aws/ping","statusCode":200}')).toEqual({ kind: 'control' });
    expect(parseFrame('{"message":"unknown topic"}')).toEqual({ kind: 'invalid', reason: 'unknown topic' });
    expect(parseFrame('not json').kind).toBe('invalid');
    expect(parseFrame('{"topic":"aws/chat","content":{"Id":"x"}}').kind).toBe('invalid'); // content must be a string
    expect(parseFrame('{"topic":"aws/chat","content":"{broken"}').kind).toBe('invalid');
  });
});

describe('applyItem', () => {
  it('shows the flow greeting, the customer message and the agent reply, once each', () => {
    const greeting: Item = {
      Id: 'g1', Type: 'MESSAGE', ContentType: 'text/plain', Content: 'Thank you for calling the Switchboard demo.',
      ParticipantId: 'p-system', DisplayName: 'SYSTEM_MESSAGE', ParticipantRole: 'SYSTEM', AbsoluteTime: '2026-01-01T10:00:00.000Z',
    };
    const mine: Item = {
      Id: 'm1', Type: 'MESSAGE', ContentType: 'text/plain', Content: 'hello', ParticipantId: me, DisplayName: 'Customer',
      ParticipantRole: 'CUSTOMER', AbsoluteTime: '2026-01-01T10:00:01.000Z',
    };
    const reply: Item = {
      Id: 'm2', Type: 'MESSAGE', ContentType: 'text/markdown', Content: 'Hi, **Alice** here', ParticipantId: 'p-agent',
      DisplayName: 'Alice', ParticipantRole: 'AGENT', AbsoluteTime: '2026-01-01T10:00:02.000Z',
    };
    // The transcript repeats what the socket brought: no duplicates.
    const m = feed([greeting, mine, reply, greeting, mine]);
    expect(m.lines).toEqual([
      { kind: 'message', id: 'g1', from: 'system', name: 'System', text: 'Thank you for calling the Switchboard demo.', time: greeting.AbsoluteTime },
      { kind: 'message', id: 'm1', from: 'me', name: 'You', text: 'hello', time: mine.AbsoluteTime },
      { kind: 'message', id: 'm2', from: 'agent', name: 'Alice', text: 'Hi, **Alice** here', time: reply.AbsoluteTime },
    ]);
  });

  it('shows an agent typing until they write, never the customer', () => {
    const now = 5_000;
    let m = feed(
      [
        { Id: 't0', Type: 'EVENT', ContentType: CT.typing, ParticipantId: me, ParticipantRole: 'CUSTOMER', DisplayName: 'Customer' },
        { Id: 't1', Type: 'EVENT', ContentType: CT.typing, ParticipantId: 'p-agent', ParticipantRole: 'AGENT', DisplayName: 'Alice' },
      ],
      now,
    );
    expect(whoIsTyping(m, now)).toBe('Alice is typing…');
    expect(whoIsTyping(m, now + TYPING_SHOWN_MS + 1)).toBe(''); // it fades
    expect(m.lines).toEqual([]); // typing is not a line
    m = applyItem(m, { Id: 'm3', Type: 'MESSAGE', ContentType: 'text/plain', Content: 'ok', ParticipantId: 'p-agent', ParticipantRole: 'AGENT', DisplayName: 'Alice' }, now);
    expect(whoIsTyping(m, now)).toBe('');
  });

  it('announces agents joining and leaving, not the customer, and ends on chat.ended', () => {
    const m = feed([
      { Id: 'e1', Type: 'EVENT', ContentType: CT.joined, ParticipantId: me, ParticipantRole: 'CUSTOMER', DisplayName: 'Customer' },
      { Id: 'e2', Type: 'EVENT', ContentType: CT.joined, ParticipantId: 'p-agent', ParticipantRole: 'AGENT', DisplayName: 'Alice' },
      { Id: 'r1', Type: 'MESSAGEMETADATA', ContentType: 'application/vnd.amazonaws.connect.message.metadata' },
      { Id: 'e3', Type: 'EVENT', ContentType: CT.left, ParticipantId: 'p-agent', ParticipantRole: 'AGENT', DisplayName: 'Alice' },
      { Id: 'e4', Type: 'EVENT', ContentType: CT.ended },
    ]);
    expect(m.lines.map((l) => (l.kind === 'notice' ? l.text : l.kind))).toEqual(['Alice joined the chat', 'Alice left the chat', 'The chat has ended']);
    expect(m.phase).toBe('ended');
  });

  it('shows an interactive message by its title', () => {
    const content = JSON.stringify({ templateType: 'QuickReply', data: { content: { title: 'How can we help?', elements: [] } } });
    const m = feed([{ Id: 'i1', Type: 'MESSAGE', ContentType: 'application/vnd.amazonaws.connect.message.interactive', Content: content, ParticipantRole: 'SYSTEM' }]);
    expect(m.lines[0]).toMatchObject({ from: 'system', text: 'How can we help?' });
  });
});

describe('sortLines', () => {
  it('orders by time, keeping arrival order for ties', () => {
    const l = (id: string, time: string) => ({ kind: 'notice' as const, id, text: id, time });
    expect(sortLines([l('b', '2'), l('a', '1'), l('c', '2')]).map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });
});
