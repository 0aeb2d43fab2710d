// The routing profile form's model: the API's queues[] (one entry per queue
// × channel, with priority and delay) as rows of a table, the
// mediaConcurrencies[] as one number per channel, and the API's indexed
// validation errors (queues[2].priority) mapped onto the row's inputs.
// Field names and bounds follow internal/core/routing_profile.go.

import { ApiError } from '../lib/http';
import type { Values } from './form';

// CHANNELS are the channels a routing profile entry may name.
export const CHANNELS = ['VOICE', 'CHAT', 'TASK'] as const;
export type Channel = (typeof CHANNELS)[number];

// Bounds the API enforces.
export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 99;
export const DELAY_MAX = 9999;
export const CONCURRENCY_MAX: Record<Channel, number> = { VOICE: 1, CHAT: 10, TASK: 10 };

// RoutingQueue is one entry of the API's queues[].
export interface RoutingQueue {
  queueId: string;
  channel: string;
  priority: number;
  delaySeconds: number;
}

// QueueRow is one row of the editor: an entry being edited. key is stable
// across edits (React keeps each row's inputs when another row is removed);
// numbers are '' while the input is empty.
export interface QueueRow {
  key: string;
  queueId: string;
  channel: string;
  priority: number | '';
  delaySeconds: number | '';
}

let nextKey = 0;
function rowKey(): string {
  nextKey += 1;
  return `row${nextKey}`;
}

// rowsFromApi turns the API's queues[] into editor rows, in the API's order
// (so row i is queues[i] and an error on queues[i] lands on row i).
export function rowsFromApi(queues: unknown): QueueRow[] {
  if (!Array.isArray(queues)) return [];
  return (queues as Partial<RoutingQueue>[]).map((q) => ({
    key: rowKey(),
    queueId: String(q.queueId ?? ''),
    channel: String(q.channel ?? 'VOICE'),
    priority: typeof q.priority === 'number' ? q.priority : PRIORITY_MIN,
    delaySeconds: typeof q.delaySeconds === 'number' ? q.delaySeconds : 0,
  }));
}

// rowsToApi turns the rows back into queues[]. Every row is sent, even an
// incomplete one, so the API's error for queues[i] names row i; an empty
// priority becomes 1 (the API's default) and an empty delay 0.
export function rowsToApi(rows: unknown): RoutingQueue[] {
  if (!Array.isArray(rows)) return [];
  return (rows as QueueRow[]).map((r) => ({
    queueId: r.queueId,
    channel: r.channel,
    priority: r.priority === '' || r.priority === undefined ? PRIORITY_MIN : Number(r.priority),
    delaySeconds: r.delaySeconds === '' || r.delaySeconds === undefined ? 0 : Number(r.delaySeconds),
  }));
}

// newRow is the row "Add queue" appends: the first channel the profile
// takes contacts of, priority 1, no delay.
export function newRow(concurrency: Partial<Record<Channel, unknown>> | undefined): QueueRow {
  const channel = CHANNELS.find((c) => Number(concurrency?.[c] ?? 0) > 0) ?? 'VOICE';
  return { key: rowKey(), queueId: '', channel, priority: PRIORITY_MIN, delaySeconds: 0 };
}

// concurrencyChannels are the channels with a concurrency above 0, in the
// order mediaConcurrencies[] is sent.
function concurrencyChannels(v: Values): Channel[] {
  const conc = (v.concurrency ?? {}) as Partial<Record<Channel, unknown>>;
  return CHANNELS.filter((c) => Number(conc[c] ?? 0) > 0);
}

// routingProfileValues is the form's values for a routing profile of the
// API (or a new one: queues none, one voice contact at a time).
export function routingProfileValues(r: Values | undefined): Values {
  const mc = ((r?.mediaConcurrencies as { channel: string; concurrency: number }[]) ?? []);
  const conc = (ch: Channel) => mc.find((c) => c.channel === ch)?.concurrency ?? 0;
  return {
    ...(r ?? {}),
    queues: rowsFromApi(r?.queues),
    concurrency: r ? { VOICE: conc('VOICE'), CHAT: conc('CHAT'), TASK: conc('TASK') } : { VOICE: 1, CHAT: 0, TASK: 0 },
    defaultOutboundQueueId: r?.defaultOutboundQueueId ?? '',
  };
}

// routingProfileBody is the request body: the stored profile (fields the
// form does not show survive), the rows as queues[], and the channels with a
// concurrency above 0 as mediaConcurrencies[].
export function routingProfileBody(v: Values, o: Values | undefined): Values {
  const conc = (v.concurrency ?? {}) as Partial<Record<Channel, unknown>>;
  const b: Values = {
    ...(o ?? {}),
    ...v,
    queues: rowsToApi(v.queues),
    mediaConcurrencies: concurrencyChannels(v).map((channel) => ({ channel, concurrency: Number(conc[channel]) })),
  };
  delete b.concurrency;
  if (!b.defaultOutboundQueueId) delete b.defaultOutboundQueueId;
  return JSON.parse(JSON.stringify(b)) as Values;
}

// routingProfileErrorField names the form field an API error field lands
// on: mediaConcurrencies[i].* is the input of the i-th channel sent.
// queues[i].* stays as is (the table editor reads the index).
export function routingProfileErrorField(field: string, v: Values): string {
  const m = /^mediaConcurrencies\[(\d+)\]/.exec(field);
  if (m) {
    const ch = concurrencyChannels(v)[Number(m[1])];
    return ch ? `concurrency.${ch}` : 'concurrency';
  }
  return field;
}

// RowErrors are the messages for the inputs of each row (by index), and
// the messages about the list as a whole.
export interface RowErrors {
  rows: Record<number, Partial<Record<keyof RoutingQueue, string>>>;
  list: string[];
}

const rowField = /^queues\[(\d+)\](?:\.(\w+))?$/;

// queueRowErrors picks the API's errors on queues[] out of err: an error
// on queues[i].<field> goes to that input of row i, one on queues[i]
// itself (the queue is listed twice for a channel) to the row's queue, one
// on queues to the list.
export function queueRowErrors(err: unknown): RowErrors {
  const out: RowErrors = { rows: {}, list: [] };
  if (!(err instanceof ApiError)) return out;
  for (const fe of err.fields) {
    if (fe.field === 'queues') {
      out.list.push(fe.message);
      continue;
    }
    const m = rowField.exec(fe.field);
    if (!m) continue;
    const i = Number(m[1]);
    const known: (keyof RoutingQueue)[] = ['queueId', 'channel', 'priority', 'delaySeconds'];
    const f = (known as string[]).includes(m[2] ?? '') ? (m[2] as keyof RoutingQueue) : 'queueId';
    const msg = m[2] && f !== m[2] ? `${m[2]}: ${fe.message}` : fe.message;
    const row = (out.rows[i] ??= {});
    row[f] = row[f] ? `${row[f]}; ${msg}` : msg;
  }
  return out;
}
