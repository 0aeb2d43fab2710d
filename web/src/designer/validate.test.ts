import { describe, expect, it } from 'vitest';
import { toGraph } from './model';
import { byAction, checkModel, fromServer } from './validate';

describe('server problems', () => {
  it('names the action of each API field error', () => {
    const ps = fromServer([
      { field: 'actions[ask].Parameters.Text', message: 'is required' },
      { field: 'actions[ask].Transitions.Conditions[0].NextAction', message: 'is missing' },
      { field: 'actions[Hello world]', message: 'unknown type' },
      { field: 'StartAction', message: 'names no action' },
    ]);
    expect(ps.map((p) => [p.action, p.field])).toStrictEqual([
      ['ask', 'Parameters.Text'],
      ['ask', 'Transitions.Conditions[0].NextAction'],
      ['Hello world', ''],
      ['', 'StartAction'],
    ]);
    expect(byAction(ps).get('ask')?.length).toBe(2);
  });
});

describe('designer checks', () => {
  it('finds missing parameters, branches and dangling targets', () => {
    const m = toGraph({
      Version: '2019-10-30',
      StartAction: 'cmp',
      Actions: [
        { Identifier: 'cmp', Type: 'Compare', Parameters: {}, Transitions: { Conditions: [{ Condition: { Operator: 'Equals', Operands: ['1'] } }] } },
        { Identifier: 'q', Type: 'UpdateContactTargetQueue', Parameters: { QueueId: 'q1' }, Transitions: { NextAction: 'gone', Errors: [{ NextAction: 'end', ErrorType: 'NoMatchingError' }] } },
        { Identifier: 'end', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
        { Identifier: 'x', Type: 'Teleport', Parameters: {}, Transitions: {} },
      ],
    });
    const got = checkModel(m).map((p) => `${p.action}|${p.field}|${p.message}`);
    expect(got).toStrictEqual([
      'cmp|Parameters.ComparisonValue|is required',
      'cmp|Transitions.Conditions[0].NextAction|is missing: connect the branch',
      'cmp|Transitions.Errors|needs a NoMatchingCondition branch',
      'q|Transitions.NextAction|names no action: "gone"',
      'x|Type|"Teleport" is not an action type Switchboard knows',
    ]);
  });
});
