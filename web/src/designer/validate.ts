// Problems shown on the designer's nodes. Two sources: quick checks made
// here as the user edits (a subset of internal/flow's validator: dangling
// branches, missing required parameters and branches, unknown types), and
// the server's validator, whose errors come back from publish as the API's
// field errors named "actions[<Identifier>].<field>".

import type { FieldError } from '../lib/http';
import { lookupAction } from './catalog';
import type { GraphModel } from './model';

export interface Problem {
  // action is the Identifier, or '' for the document (StartAction, ...).
  action: string;
  field: string;
  message: string;
  source: 'designer' | 'server';
}

// checkModel runs the designer's own checks.
export function checkModel(m: GraphModel): Problem[] {
  if (m.format === 'legacy') return [];
  const out: Problem[] = [];
  const add = (action: string, field: string, message: string) => out.push({ action, field, message, source: 'designer' });
  const ids = new Set<string>();
  for (const n of m.nodes) {
    if (ids.has(n.id)) add(n.id, 'Identifier', 'is used by another action');
    ids.add(n.id);
  }
  if (!m.start) add('', 'StartAction', 'is missing: connect the entry point to an action');
  else if (!ids.has(m.start)) add('', 'StartAction', `names no action: "${m.start}"`);
  for (const n of m.nodes) {
    const a = n.action;
    const spec = lookupAction(a.Type);
    if (!spec) {
      add(n.id, 'Type', `"${a.Type}" is not an action type Switchboard knows`);
      continue;
    }
    const ps = a.Parameters ?? {};
    const given = (name: string) => ps[name] !== undefined && ps[name] !== '';
    for (const p of spec.params) if (p.required && !given(p.name)) add(n.id, `Parameters.${p.name}`, 'is required');
    for (const group of spec.oneOfRequired ?? []) {
      const n1 = group.filter(given).length;
      if (n1 === 0) add(n.id, 'Parameters', `needs one of ${group.join(', ')}`);
      else if (n1 > 1) add(n.id, 'Parameters', `takes only one of ${group.join(', ')}`);
    }
    const t = a.Transitions ?? {};
    if (spec.terminal && (t.NextAction || t.Conditions?.length || t.Errors?.length)) {
      add(n.id, 'Transitions', 'must be empty: this action ends the flow');
    }
    if (t.NextAction && !ids.has(t.NextAction)) add(n.id, 'Transitions.NextAction', `names no action: "${t.NextAction}"`);
    (t.Conditions ?? []).forEach((c, i) => {
      const f = `Transitions.Conditions[${i}].NextAction`;
      if (!c.NextAction) add(n.id, f, 'is missing: connect the branch');
      else if (!ids.has(c.NextAction)) add(n.id, f, `names no action: "${c.NextAction}"`);
    });
    (t.Errors ?? []).forEach((e, i) => {
      const f = `Transitions.Errors[${i}].NextAction`;
      if (!e.NextAction) add(n.id, f, 'is missing: connect the branch');
      else if (!ids.has(e.NextAction)) add(n.id, f, `names no action: "${e.NextAction}"`);
    });
    for (const e of spec.errors) {
      if (e.required && !(t.Errors ?? []).some((x) => x.ErrorType === e.type)) {
        add(n.id, 'Transitions.Errors', `needs a ${e.type} branch`);
      }
    }
    for (const v of spec.conditions?.required ?? []) {
      if (!(t.Conditions ?? []).some((c) => c.Condition?.Operands?.[0] === v)) add(n.id, 'Transitions.Conditions', `needs a condition for ${v}`);
    }
  }
  return out;
}

const actionField = /^(?:content\.)?actions\[(.*?)\](?:\.(.*))?$/;

// fromServer turns the API's field errors into problems, each named by the
// action it concerns when the field says so.
export function fromServer(errors: FieldError[]): Problem[] {
  return errors.map((e) => {
    const m = actionField.exec(e.field);
    // The lazy match stops at the first "]" followed by "." or the end: the
    // bracket the API put after the Identifier.
    return m
      ? { action: m[1], field: m[2] ?? '', message: e.message, source: 'server' as const }
      : { action: '', field: e.field, message: e.message, source: 'server' as const };
  });
}

// byAction groups problems by action Identifier ('' for the document).
export function byAction(ps: Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of ps) {
    const l = out.get(p.action) ?? [];
    l.push(p);
    out.set(p.action, l);
  }
  return out;
}
