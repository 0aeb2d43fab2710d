// The chat widget's model: what the participant WebSocket (and the
// transcript) says, turned into what the panel shows. Pure functions, no
// DOM, so they are tested in Node (model.test.ts).
//
// Items follow Amazon Connect's Participant Service (docs/chat.md): each
// has an Id, a Type (MESSAGE, EVENT, MESSAGEMETADATA), a ContentType, the
// sender's ParticipantId, DisplayName and ParticipantRole, and an
// AbsoluteTime.

export interface Item {
  Id?: string;
  Type?: string;
  ContentType?: string;
  Content?: string;
  ParticipantId?: string;
  DisplayName?: string;
  ParticipantRole?: string;
  AbsoluteTime?: string;
  ContactId?: string;
}

export const CT = {
  typing: 'application/vnd.amazonaws.connect.event.typing',
  joined: 'application/vnd.amazonaws.connect.event.participant.joined',
  left: 'application/vnd.amazonaws.connect.event.participant.left',
  ended: 'application/vnd.amazonaws.connect.event.chat.ended',
  transferSucceeded: 'application/vnd.amazonaws.connect.event.transfer.succeeded',
  autoDisconnection: 'application/vnd.amazonaws.connect.event.participant.autodisconnection',
} as const;

/** One line of the conversation as the panel shows it. */
export type Line =
  | { kind: 'message'; id: string; from: 'me' | 'agent' | 'system' | 'bot'; name: string; text: string; time: string }
  | { kind: 'notice'; id: string; text: string; time: string };

export type Phase = 'idle' | 'connecting' | 'open' | 'ended' | 'error';

export interface ChatModel {
  phase: Phase;
  /** The customer's participant ID, to tell their own messages apart. */
  me: string;
  lines: Line[];
  /** Who is typing, by participant ID → display name and until when (ms). */
  typing: Record<string, { name: string; until: number }>;
  error?: string;
}

/** How long a typing event shows the indicator (Connect's widget: ~10 s; chatjs throttles at 10 s). */
export const TYPING_SHOWN_MS = 12_000;

export function initialModel(): ChatModel {
  return { phase: 'idle', me: '', lines: [], typing: {} };
}

/** A frame from the participant WebSocket. */
export type Frame =
  | { kind: 'item'; item: Item }
  | { kind: 'subscribed'; ok: boolean }
  | { kind: 'control' } // heartbeats, pings
  | { kind: 'invalid'; reason: string };

/** parseFrame reads one WebSocket text frame: {"topic","content"}. */
export function parseFrame(data: string): Frame {
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof msg !== 'object' || msg === null) return { kind: 'invalid', reason: 'not an object' };
  const m = msg as { topic?: unknown; content?: unknown; message?: unknown };
  switch (m.topic) {
    case 'aws/chat': {
      // The item is a JSON string inside the frame's content.
      if (typeof m.content !== 'string') return { kind: 'invalid', reason: 'aws/chat content is not a string' };
      try {
        const item = JSON.parse(m.content) as unknown;
        if (typeof item !== 'object' || item === null) return { kind: 'invalid', reason: 'item is not an object' };
        return { kind: 'item', item: item as Item };
      } catch {
        return { kind: 'invalid', reason: 'item is not JSON' };
      }
    }
    case 'aws/subscribe': {
      const c = m.content as { status?: unknown } | undefined;
      return { kind: 'subscribed', ok: c?.status === 'success' };
    }
    case 'aws/heartbeat':
    case 'aws/ping':
      return { kind: 'control' };
    default:
      return { kind: 'invalid', reason: typeof m.message === 'string' ? m.message : `unknown topic ${String(m.topic)}` };
  }
}

function roleOf(item: Item, me: string): 'me' | 'agent' | 'system' | 'bot' {
  if (item.ParticipantId && item.ParticipantId === me) return 'me';
  switch (item.ParticipantRole) {
    case 'CUSTOMER':
      return 'me';
    case 'SYSTEM':
      return 'system';
    case 'CUSTOM_BOT':
      return 'bot';
    default:
      return 'agent';
  }
}

/** The text of a message item: plain text or markdown as is; interactive messages by their title. */
function messageText(item: Item): string {
  const content = item.Content ?? '';
  if (item.ContentType?.includes('interactive')) {
    try {
      const j = JSON.parse(content) as { data?: { content?: { title?: string } } };
      return j.data?.content?.title ?? content;
    } catch {
      return content;
    }
  }
  return content;
}

/**
 * applyItem folds one item into the model (now in ms, for typing). Items
 * are deduplicated by Id: the transcript and the socket may both bring one.
 */
export function applyItem(m: ChatModel, item: Item, now: number): ChatModel {
  const id = item.Id ?? '';
  const time = item.AbsoluteTime ?? '';
  if (id && m.lines.some((l) => l.id === id)) return m;
  if (item.Type === 'MESSAGE') {
    const from = roleOf(item, m.me);
    const name = from === 'me' ? 'You' : from === 'system' ? 'System' : item.DisplayName || 'Agent';
    const typing = { ...m.typing };
    if (item.ParticipantId) delete typing[item.ParticipantId];
    return { ...m, typing, lines: [...m.lines, { kind: 'message', id, from, name, text: messageText(item), time }] };
  }
  if (item.Type !== 'EVENT') return m; // MESSAGEMETADATA (receipts) and others: not shown
  const who = item.DisplayName || (item.ParticipantRole === 'AGENT' ? 'An agent' : 'Someone');
  const mine = item.ParticipantId === m.me || item.ParticipantRole === 'CUSTOMER';
  switch (item.ContentType) {
    case CT.typing:
      if (mine || !item.ParticipantId) return m;
      return { ...m, typing: { ...m.typing, [item.ParticipantId]: { name: who, until: now + TYPING_SHOWN_MS } } };
    case CT.joined:
      if (mine) return m;
      return { ...m, lines: [...m.lines, { kind: 'notice', id, text: `${who} joined the chat`, time }] };
    case CT.left: {
      if (mine) return m;
      const typing = { ...m.typing };
      if (item.ParticipantId) delete typing[item.ParticipantId];
      return { ...m, typing, lines: [...m.lines, { kind: 'notice', id, text: `${who} left the chat`, time }] };
    }
    case CT.ended:
      return { ...m, phase: 'ended', typing: {}, lines: [...m.lines, { kind: 'notice', id, text: 'The chat has ended', time }] };
    default:
      return m;
  }
}

/** whoIsTyping names the participants typing at now, for the indicator ("" when nobody). */
export function whoIsTyping(m: ChatModel, now: number): string {
  const names = Object.values(m.typing)
    .filter((t) => t.until > now)
    .map((t) => t.name);
  if (names.length === 0) return '';
  return names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

/** sortLines orders lines by time, keeping arrival order for equal times (the transcript can arrive after live items). */
export function sortLines(lines: Line[]): Line[] {
  return lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (a.l.time < b.l.time ? -1 : a.l.time > b.l.time ? 1 : a.i - b.i))
    .map((x) => x.l);
}
