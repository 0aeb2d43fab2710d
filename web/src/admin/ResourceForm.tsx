// ResourceForm renders a form schema (form.ts) with Mantine inputs, each
// with its label and the API's validation error for its field.

import { Fragment } from 'react';
import { Alert, Checkbox, MultiSelect, NumberInput, PasswordInput, Select, Stack, TagsInput, Textarea, TextInput } from '@mantine/core';
import { fieldErrors, getPath, refOptions as optionsOf, setPath, type FieldSpec, type Values } from './form';
import { GeneratedSecretInput } from './extras';
import { HoursEditor } from './HoursEditor';
import type { Channel, QueueRow } from './routingProfile';
import { RoutingQueuesEditor } from './RoutingQueuesEditor';

export interface ResourceFormProps {
  fields: FieldSpec[];
  values: Values;
  onChange(values: Values): void;
  // error is what the last save threw (an ApiError names fields).
  error?: unknown;
  editing?: boolean;
  // refItems are the items of the kinds ref fields name, by ref path.
  refItems?: Record<string, Values[]>;
}

export function ResourceForm({ fields, values, onChange, error, editing, refItems = {} }: ResourceFormProps) {
  const { byField, general } = fieldErrors(error, fields);
  const set = (name: string, v: unknown) => onChange(setPath(values, name, v));
  return (
    <Stack gap="sm">
      {general.length > 0 && (
        <Alert color="red" data-testid="form-error" role="alert">
          {general.join('; ')}
        </Alert>
      )}
      {fields
        .filter((f) => !(editing && f.createOnly) && (!f.showIf || f.showIf(values)))
        .map((f) => <Fragment key={f.name}>{renderField(f)}</Fragment>)}
    </Stack>
  );

  function renderField(f: FieldSpec) {
    const v = getPath(values, f.name);
    const common = {
      label: f.label,
      description: f.describe?.(values) ?? f.description ?? (f.writeOnly && editing ? 'Leave empty to keep the current value' : undefined),
      required: f.required,
      error: byField[f.name],
      'data-testid': `field-${f.name}`,
      placeholder: f.placeholder,
    };
    const options = optionsOf(f, f.ref ? refItems[f.ref.path] : undefined);
    switch (f.type) {
      case 'textarea':
        return <Textarea {...common} autosize minRows={3} value={String(v ?? '')} onChange={(e) => set(f.name, e.currentTarget.value)} />;
      case 'number':
        return <NumberInput {...common} min={f.min} max={f.max} allowDecimal={false} value={typeof v === 'number' ? v : v === undefined || v === '' ? '' : Number(v)}
          onChange={(n) => set(f.name, n === '' ? undefined : Number(n))} />;
      case 'password':
        if (f.generate) return <GeneratedSecretInput {...common} generate={f.generate} value={String(v ?? '')} onChange={(s) => set(f.name, s)} />;
        return <PasswordInput {...common} autoComplete="new-password" value={String(v ?? '')} onChange={(e) => set(f.name, e.currentTarget.value)} />;
      case 'select':
        return <Select {...common} data={options} clearable={!f.required} searchable value={v ? String(v) : null}
          onChange={(s) => set(f.name, s ?? '')} comboboxProps={{ withinPortal: true }} />;
      case 'multiselect':
        return <MultiSelect {...common} data={options} searchable value={Array.isArray(v) ? (v as string[]) : []}
          onChange={(s) => set(f.name, s)} />;
      case 'checkbox':
        return <Checkbox {...common} checked={!!v} onChange={(e) => set(f.name, e.currentTarget.checked)} />;
      case 'list':
        return <TagsInput {...common} description={f.description ?? 'Press Enter after each value'}
          value={Array.isArray(v) ? (v as string[]) : []} onChange={(s) => set(f.name, s)} />;
      case 'routing-queues':
        return <RoutingQueuesEditor label={f.label} rows={Array.isArray(v) ? (v as QueueRow[]) : []} queueOptions={options} error={error}
          concurrency={values.concurrency as Partial<Record<Channel, unknown>> | undefined} onChange={(rows) => set(f.name, rows)} />;
      case 'week':
      case 'holidays':
        return <HoursEditor part={f.type} values={values} onChange={onChange} error={byField[f.name]} />;
      default:
        return <TextInput {...common} value={String(v ?? '')} onChange={(e) => set(f.name, e.currentTarget.value)} />;
    }
  }
}
