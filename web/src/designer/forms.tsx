// The side panel's forms: one per common action type, and a JSON editor of
// the parameters for every type (the only editor for the rare ones). Each
// form edits the raw action through the callbacks, so what it does not
// show is kept as it was.

import { useEffect, useState } from 'react';
import { ActionIcon, Button, Checkbox, Group, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { lookupAction, OPERATORS } from './catalog';
import type { ConditionTransition, JsonObject, RawAction } from './model';

export interface FormProps {
  action: RawAction;
  // setParam sets one parameter; undefined removes it.
  setParam: (name: string, value: unknown) => void;
  setParams: (params: JsonObject) => void;
  setConditions: (conds: ConditionTransition[]) => void;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

// Field is a text parameter: empty removes it (the flow language has no
// empty-string defaults).
function Field({ action, setParam, name, label, description, multiline, required }: FormProps & {
  name: string;
  label?: string;
  description?: string;
  multiline?: boolean;
  required?: boolean;
}) {
  const value = str(action.Parameters?.[name]);
  const props = {
    label: label ?? name,
    description,
    required,
    value,
    'data-testid': `field-${name}`,
    onChange: (e: { currentTarget: { value: string } }) => setParam(name, e.currentTarget.value === '' ? undefined : e.currentTarget.value),
  };
  return multiline ? <Textarea autosize minRows={2} maxRows={8} {...props} /> : <TextInput {...props} />;
}

function EnumField({ action, setParam, name, values, label }: FormProps & { name: string; values: string[]; label?: string }) {
  const v = action.Parameters?.[name];
  return (
    <Select
      label={label ?? name}
      data={values}
      value={typeof v === 'string' ? v : null}
      clearable
      data-testid={`field-${name}`}
      onChange={(x) => setParam(name, x ?? undefined)}
    />
  );
}

function BoolField({ action, setParam, name, label }: FormProps & { name: string; label?: string }) {
  const v = action.Parameters?.[name];
  return (
    <Checkbox
      label={label ?? name}
      checked={v === 'True' || v === true}
      data-testid={`field-${name}`}
      onChange={(e) => setParam(name, e.currentTarget.checked ? 'True' : 'False')}
    />
  );
}

const PROMPT_KINDS = [
  { value: 'Text', label: 'Text' },
  { value: 'SSML', label: 'SSML' },
  { value: 'PromptId', label: 'Audio prompt (ID or ARN)' },
];

// PromptFields edits the one-of Text / SSML / PromptId of a prompt.
function PromptFields(p: FormProps) {
  const ps = p.action.Parameters ?? {};
  const current = PROMPT_KINDS.find((k) => ps[k.value] !== undefined)?.value ?? (ps.Media !== undefined ? 'Media' : 'Text');
  if (current === 'Media') {
    return <Text size="sm">Plays a media file ({str((ps.Media as JsonObject | undefined)?.Uri)}); edit it in the JSON below.</Text>;
  }
  const switchKind = (k: string | null) => {
    if (!k || k === current) return;
    const next: JsonObject = { ...ps, [k]: ps[current] ?? '' };
    delete next[current];
    p.setParams(next);
  };
  return (
    <>
      <Select label="Prompt" data={PROMPT_KINDS} value={current} onChange={switchKind} allowDeselect={false} data-testid="field-prompt-kind" />
      <Field {...p} name={current} label={PROMPT_KINDS.find((k) => k.value === current)?.label} multiline={current !== 'PromptId'}
        description={current === 'PromptId' ? undefined : 'Attributes may appear as $.Attributes.name'} />
    </>
  );
}

// MapEditor edits a parameter that is a map of strings (Attributes,
// LambdaInvocationAttributes): one row per key, in the document's order.
export function MapEditor({ action, setParam, name, label }: FormProps & { name: string; label?: string }) {
  const raw = action.Parameters?.[name];
  const entries = Object.entries(typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as JsonObject) : {});
  const write = (rows: [string, unknown][]) => setParam(name, Object.fromEntries(rows));
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>{label ?? name}</Text>
      {entries.map(([k, v], i) => (
        <Group key={i} gap={4} wrap="nowrap" align="flex-end">
          <TextInput aria-label={`${name} key ${i + 1}`} placeholder="key" value={k} style={{ flex: 1 }} data-testid={`map-${name}-key-${i}`}
            onChange={(e) => write(entries.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))} />
          <TextInput aria-label={`${name} value ${i + 1}`} placeholder="value" value={str(v)} style={{ flex: 1 }} data-testid={`map-${name}-value-${i}`}
            onChange={(e) => write(entries.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))} />
          <ActionIcon variant="subtle" color="red" aria-label={`Remove ${name} ${k}`} onClick={() => write(entries.filter((_, j) => j !== i))}>×</ActionIcon>
        </Group>
      ))}
      <Button size="xs" variant="light" data-testid={`map-${name}-add`}
        onClick={() => {
          let k = 'key';
          for (let n = 2; entries.some((r) => r[0] === k); n++) k = `key${n}`;
          write([...entries, [k, '']]);
        }}>
        Add {label ?? name}
      </Button>
    </Stack>
  );
}

// ConditionsEditor edits Transitions.Conditions: operator and operand per
// branch (one operand; nested conditions are edited in the JSON).
export function ConditionsEditor({ action, setConditions, operators, values }: FormProps & { operators?: string[]; values?: string[] }) {
  const conds = action.Transitions?.Conditions ?? [];
  const ops = operators ?? OPERATORS;
  const update = (i: number, op: string, operand: string) =>
    setConditions(conds.map((c, j) => (j === i ? { ...c, Condition: { ...c.Condition, Operator: op, Operands: [operand] } } : c)));
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>Branches (conditions)</Text>
      {conds.map((c, i) => (
        <Group key={i} gap={4} wrap="nowrap" align="flex-end">
          <Select aria-label={`Condition ${i + 1} operator`} data={ops} value={c.Condition?.Operator ?? 'Equals'} allowDeselect={false} style={{ flex: 1 }}
            data-testid={`cond-operator-${i}`} onChange={(op) => update(i, op ?? 'Equals', str(c.Condition?.Operands?.[0]))} />
          {values ? (
            <Select aria-label={`Condition ${i + 1} value`} data={values} value={str(c.Condition?.Operands?.[0]) || null} style={{ flex: 1 }}
              data-testid={`cond-operand-${i}`} onChange={(v) => update(i, c.Condition?.Operator ?? 'Equals', v ?? '')} />
          ) : (
            <TextInput aria-label={`Condition ${i + 1} value`} value={str(c.Condition?.Operands?.[0])} style={{ flex: 1 }}
              data-testid={`cond-operand-${i}`} onChange={(e) => update(i, c.Condition?.Operator ?? 'Equals', e.currentTarget.value)} />
          )}
          <ActionIcon variant="subtle" color="red" aria-label={`Remove condition ${i + 1}`} data-testid={`cond-remove-${i}`}
            onClick={() => setConditions(conds.filter((_, j) => j !== i))}>×</ActionIcon>
        </Group>
      ))}
      <Button size="xs" variant="light" data-testid="cond-add"
        onClick={() => {
          const next = values?.find((v) => !conds.some((c) => c.Condition?.Operands?.[0] === v)) ?? '';
          setConditions([...conds, { Condition: { Operator: ops[0], Operands: [next] } }]);
        }}>
        Add condition
      </Button>
      <Text size="xs" c="dimmed">Connect each condition's handle on the canvas to the action it leads to.</Text>
    </Stack>
  );
}

// JsonParams is the generic editor: the Parameters object as JSON, applied
// when it parses.
export function JsonParams({ action, setParams }: FormProps) {
  const text = JSON.stringify(action.Parameters ?? {}, null, 2);
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setDraft(text);
    setError(undefined);
  }, [text]);
  return (
    <Textarea
      label="Parameters (JSON)"
      description="Every parameter of the action; applied as soon as it is valid JSON"
      autosize
      minRows={4}
      maxRows={18}
      styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
      value={draft}
      error={error}
      data-testid="field-json"
      onChange={(e) => {
        const v = e.currentTarget.value;
        setDraft(v);
        try {
          const parsed = JSON.parse(v) as unknown;
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object');
          setError(undefined);
          setParams(parsed as JsonObject);
        } catch (err) {
          setError(err instanceof Error ? err.message : String(err));
        }
      }}
    />
  );
}

// SpecificForm is the form of the action's type, or null when the type has
// none (the JSON editor is then the only one).
export function SpecificForm(p: FormProps) {
  const spec = lookupAction(p.action.Type);
  switch (spec?.type ?? p.action.Type) {
    case 'MessageParticipant':
      return <PromptFields {...p} />;
    case 'GetParticipantInput':
      return (
        <>
          <PromptFields {...p} />
          <Field {...p} name="InputTimeLimitSeconds" label="Timeout (seconds)" required />
          <BoolField {...p} name="StoreInput" label="Store the input (instead of branching on it)" />
          <ConditionsEditor {...p} operators={['Equals']} />
        </>
      );
    case 'UpdateContactTargetQueue':
      return (
        <>
          <Field {...p} name="QueueId" label="Queue (ID, ARN or $.path)" />
          <Field {...p} name="AgentId" label="Agent (ID, ARN or $.path), instead of a queue" />
        </>
      );
    case 'TransferContactToQueue':
      return <Text size="sm">Transfers the contact to the working queue set by a "Set working queue" action.</Text>;
    case 'Compare':
      return (
        <>
          <Field {...p} name="ComparisonValue" label="Value to check (JSONPath)" description="e.g. $.Attributes.language" required />
          <ConditionsEditor {...p} />
        </>
      );
    case 'UpdateContactAttributes':
      return (
        <>
          <MapEditor {...p} name="Attributes" label="Attribute" />
          <EnumField {...p} name="TargetContact" values={['Current', 'Related']} />
        </>
      );
    case 'InvokeLambdaFunction':
      return (
        <>
          <Field {...p} name="LambdaFunctionARN" label="Function (ARN or name)" required />
          <Field {...p} name="InvocationTimeLimitSeconds" label="Timeout (seconds, 1–60)" required />
          <EnumField {...p} name="InvocationType" values={['SYNCHRONOUS', 'ASYNCHRONOUS']} />
          <MapEditor {...p} name="LambdaInvocationAttributes" label="Input parameter" />
        </>
      );
    case 'CheckHoursOfOperation':
      return (
        <>
          <Field {...p} name="HoursOfOperationId" label="Hours of operation (ID, ARN or $.path)" description="The queue's hours when empty" />
          <ConditionsEditor {...p} operators={['Equals']} values={['True', 'False']} />
        </>
      );
    case 'DisconnectParticipant':
    case 'EndFlowExecution':
    case 'EndFlowModuleExecution':
      return <Text size="sm">Ends the flow. This action has no parameters and no branches.</Text>;
    case 'TransferToFlow':
      return <Field {...p} name="ContactFlowId" label="Flow (ID, ARN, name or $.path)" required />;
    case 'UpdateFlowLoggingBehavior':
      return <EnumField {...p} name="FlowLoggingBehavior" values={['Enabled', 'Disabled']} />;
    case 'Loop':
      return (
        <>
          <Field {...p} name="LoopCount" label="Loop count" required />
          <ConditionsEditor {...p} operators={['Equals']} values={['ContinueLooping', 'DoneLooping']} />
        </>
      );
    default:
      if (spec?.conditions) return <ConditionsEditor {...p} operators={spec.conditions.operators} values={spec.conditions.values} />;
      return null;
  }
}
