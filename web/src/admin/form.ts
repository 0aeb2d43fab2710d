// The admin console's form model: a form schema per resource kind
// (FieldSpec), values as the API's JSON (dotted names reach nested objects,
// e.g. outboundCallerId.number), and the API's validation errors mapped onto
// the fields.

import { ApiError } from '../lib/http';

export type FieldType = 'text' | 'textarea' | 'number' | 'password' | 'select' | 'multiselect' | 'checkbox' | 'list' | 'week' | 'holidays'
  // a routing profile's queue table (RoutingQueuesEditor); its options are the ref's
  | 'routing-queues';

export interface Option {
  value: string;
  label: string;
}

export interface FieldSpec {
  name: string; // the API field, dotted for nested ones
  label: string;
  type?: FieldType; // default text
  required?: boolean;
  description?: string;
  // describe, when set, is the description for the current values (e.g.
  // whether a write-only secret is set).
  describe?: (values: Values) => string | undefined;
  min?: number;
  max?: number;
  // options of a select: fixed, or the items of another kind of the instance
  // (ref: its path, e.g. "queues"; label: the item field to show; filter:
  // which items to offer, e.g. the flows of one type).
  options?: Option[];
  ref?: { path: string; label?: string; filter?: (item: Values) => boolean };
  // writeOnly fields (passwords, secrets) are left out of the body when
  // empty, so an update keeps the stored value.
  writeOnly?: boolean;
  // generate, on a password field, adds a button that fills it with a new
  // secret (make) and shows that secret once, to copy.
  generate?: { label: string; make(): string };
  // createOnly fields are not shown when editing.
  createOnly?: boolean;
  // showIf hides the field unless the values match.
  showIf?: (values: Values) => boolean;
  placeholder?: string;
}

export type Values = Record<string, unknown>;

export function getPath(v: Values, name: string): unknown {
  let cur: unknown = v;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// setPath returns a copy of v with name set (objects on the way are copied).
export function setPath(v: Values, name: string, value: unknown): Values {
  const [head, ...rest] = name.split('.');
  if (rest.length === 0) return { ...v, [head]: value };
  const child = v[head];
  return { ...v, [head]: setPath(child && typeof child === 'object' ? (child as Values) : {}, rest.join('.'), value) };
}

// fieldErrors maps an error to messages per form field and the messages no
// field shows (general). An API field "queues[0].queueId" lands on the
// field "queues"; "outboundCallerId.number" on that dotted field.
export function fieldErrors(err: unknown, fields: FieldSpec[]): { byField: Record<string, string>; general: string[] } {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  if (!err) return { byField, general };
  if (!(err instanceof ApiError)) {
    general.push(err instanceof Error ? err.message : String(err));
    return { byField, general };
  }
  const names = fields.map((f) => f.name);
  for (const fe of err.fields) {
    let target: string | undefined;
    for (let cand = fe.field; cand; ) {
      if (names.includes(cand)) {
        target = cand;
        break;
      }
      const cut = Math.max(cand.lastIndexOf('.'), cand.lastIndexOf('['));
      cand = cut > 0 ? cand.slice(0, cut) : '';
    }
    if (target) {
      const rest = fe.field === target ? '' : `${fe.field}: `;
      byField[target] = byField[target] ? `${byField[target]}; ${rest}${fe.message}` : `${rest}${fe.message}`;
    } else {
      general.push(`${fe.field}: ${fe.message}`);
    }
  }
  if (err.fields.length === 0 || (general.length === 0 && Object.keys(byField).length === 0)) general.push(err.message);
  return { byField, general };
}

// refOptions are the options of a ref field, from the items of its path.
export function refOptions(f: FieldSpec, items: Values[] | undefined): Option[] {
  if (!f.ref) return f.options ?? [];
  const label = f.ref.label ?? 'name';
  return (items ?? []).filter((i) => !f.ref!.filter || f.ref!.filter(i)).map((i) => ({ value: String(i.id), label: String(i[label] ?? i.id) }));
}

// toBody builds the request body from the item being edited (kept, so
// fields the form does not show survive an update) and the form's values.
export function toBody(original: Values | undefined, values: Values, fields: FieldSpec[]): Values {
  let body: Values = { ...(original ?? {}), ...values };
  for (const f of fields) {
    const v = getPath(body, f.name);
    if (f.writeOnly && (v === '' || v === undefined)) {
      body = setPath(body, f.name, undefined);
    }
    if (f.type === 'number' && typeof v === 'string') body = setPath(body, f.name, v === '' ? 0 : Number(v));
  }
  return JSON.parse(JSON.stringify(body)) as Values; // drops undefined
}
