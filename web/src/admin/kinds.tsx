// The admin console's kinds of resource: for each, its table columns and
// form schema (field names are the API's JSON fields: see
// internal/api/openapi.json).

import { Alert, Anchor, Badge, Code, CopyButton, Button, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Values } from './form';
import type { KindSpec } from './ResourcePage';
import { ChatWidgetEmbed, FlowExportButton, FlowImportButton, FlowName, PromptAudio } from './extras';
import { chatWidgetBody, randomKey } from './chatWidget';
import { CONCURRENCY_MAX, routingProfileBody, routingProfileErrorField, routingProfileValues, type RoutingQueue } from './routingProfile';

const nameCol = { key: 'name', label: 'Name' };
const descCol = { key: 'description', label: 'Description' };
const name = { name: 'name', label: 'Name', required: true };
const description = { name: 'description', label: 'Description', type: 'textarea' as const };

export const kinds: KindSpec[] = [
  {
    key: 'instances', title: 'Instances', one: 'instance', path: '/api/v1/instances', scope: 'deployment',
    columns: [{ key: 'alias', label: 'Alias' }, { key: 'id', label: 'ID' }, descCol],
    fields: [{ name: 'alias', label: 'Alias', required: true }, description],
    toBody: (v, o) => ({ alias: v.alias, description: v.description, ...(o ? { version: o.version } : {}) }),
  },
  {
    key: 'phone-numbers', title: 'Phone numbers', one: 'phone number', path: 'phone-numbers', perm: 'numbers.read', editPerm: 'numbers.edit',
    columns: [{ key: 'number', label: 'Number' }, descCol],
    fields: [
      { name: 'number', label: 'Number', required: true, placeholder: '+15550100', description: 'E.164' },
      description,
      { name: 'flowId', label: 'Flow', type: 'select', ref: { path: 'flows' } },
    ],
  },
  {
    key: 'trunks', title: 'Trunks', one: 'trunk', path: 'trunks', perm: 'numbers.read', editPerm: 'numbers.edit',
    columns: [nameCol, { key: 'transport', label: 'Transport' }, { key: 'allowedSources', label: 'Sources', render: (t) => ((t.allowedSources as string[]) ?? []).join(', ') }],
    defaults: { transport: 'udp', callerIdPolicy: 'passthrough' },
    fields: [
      name, description,
      { name: 'allowedSources', label: 'Allowed sources', type: 'list', description: 'IP addresses or CIDRs the carrier sends from' },
      { name: 'username', label: 'Digest username' },
      { name: 'password', label: 'Digest password', type: 'password', writeOnly: true },
      { name: 'realm', label: 'Realm' },
      { name: 'outboundProxy', label: 'Outbound proxy', placeholder: 'sip:carrier.example.com' },
      { name: 'transport', label: 'Transport', type: 'select', required: true, options: ['udp', 'tcp', 'tls'].map((v) => ({ value: v, label: v })) },
      { name: 'callerIdPolicy', label: 'Caller ID policy', type: 'select', required: true,
        options: ['passthrough', 'number', 'anonymous'].map((v) => ({ value: v, label: v })) },
      { name: 'defaultCallerId', label: 'Default caller ID' },
      { name: 'codecs', label: 'Codecs', type: 'list' },
    ],
  },
  {
    key: 'queues', title: 'Queues', one: 'queue', path: 'queues', perm: 'routing.read', editPerm: 'routing.edit',
    columns: [nameCol, { key: 'maxContacts', label: 'Max contacts' }, { key: 'status', label: 'Status', render: (q) => <Badge variant="light" color={q.status === 'DISABLED' ? 'gray' : 'teal'}>{String(q.status)}</Badge> }],
    defaults: { status: 'ENABLED', maxContacts: 0 },
    fields: [
      name, description,
      { name: 'hoursOfOperationId', label: 'Hours of operation', type: 'select', required: true, ref: { path: 'hours-of-operation' } },
      { name: 'maxContacts', label: 'Max contacts', type: 'number', min: 0, description: 'The most contacts waiting at once (0: no limit); a transfer to a full queue takes the flow\'s at-capacity branch' },
      { name: 'status', label: 'Status', type: 'select', required: true, options: [{ value: 'ENABLED', label: 'Enabled' }, { value: 'DISABLED', label: 'Disabled (takes no new contacts)' }] },
      { name: 'outboundCallerId.name', label: 'Outbound caller ID name', description: 'What the called party sees on calls made from this queue' },
      { name: 'outboundCallerId.number', label: 'Outbound caller ID number', placeholder: '+15550100', description: 'E.164' },
      { name: 'outboundCallerId.flowId', label: 'Outbound whisper flow', type: 'select',
        ref: { path: 'flows', filter: (f) => f.type === 'OUTBOUND_WHISPER' }, description: 'Played to the agent before an outbound call connects (flows of type OUTBOUND_WHISPER)' },
      { name: 'quickConnectIds', label: 'Quick connects', type: 'multiselect', ref: { path: 'quick-connects' },
        description: 'The transfer and consultation targets offered to agents whose routing profile has this queue (at most 50)' },
    ],
    toBody: (v, o) => queueBody(v, o),
  },
  {
    key: 'routing-profiles', title: 'Routing profiles', one: 'routing profile', path: 'routing-profiles', perm: 'routing.read', editPerm: 'routing.edit',
    columns: [nameCol, { key: 'queues', label: 'Queues', render: (r) => new Set(((r.queues as RoutingQueue[]) ?? []).map((q) => q.queueId)).size },
      { key: 'mediaConcurrencies', label: 'Channels', render: (r) => ((r.mediaConcurrencies as { channel: string; concurrency: number }[]) ?? []).map((c) => `${c.channel} ×${c.concurrency}`).join(', ') }],
    fields: [
      name, description,
      { name: 'concurrency.VOICE', label: 'Voice contacts at once', type: 'number', min: 0, max: CONCURRENCY_MAX.VOICE, description: '0 or 1 (0: no voice)' },
      { name: 'concurrency.CHAT', label: 'Chats at once', type: 'number', min: 0, max: CONCURRENCY_MAX.CHAT, description: `0 to ${CONCURRENCY_MAX.CHAT}` },
      { name: 'concurrency.TASK', label: 'Tasks at once', type: 'number', min: 0, max: CONCURRENCY_MAX.TASK, description: `0 to ${CONCURRENCY_MAX.TASK}` },
      { name: 'queues', label: 'Queues', type: 'routing-queues', ref: { path: 'queues' } },
      { name: 'defaultOutboundQueueId', label: 'Default outbound queue', type: 'select', ref: { path: 'queues' },
        description: 'The queue (and so the caller ID) of the agents\' outbound calls' },
    ],
    fromItem: (r) => routingProfileValues(r),
    toBody: (v, o) => routingProfileBody(v, o),
    errorField: routingProfileErrorField,
  },
  {
    key: 'users', title: 'Users', one: 'user', path: 'users', perm: 'users.read', editPerm: 'users.edit',
    columns: [{ key: 'username', label: 'Username' }, { key: 'name', label: 'Name', render: (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') }, { key: 'email', label: 'Email' },
      { key: 'phoneType', label: 'Phone', render: (u) => (u.phoneType === 'DESK_PHONE' ? `Desk ${String(u.deskPhoneNumber ?? '')}` : 'Softphone') }],
    defaults: { phoneType: 'SOFT_PHONE', securityProfileIds: [], autoAccept: false, afterContactWorkTimeoutSeconds: 0 },
    fields: [
      { name: 'username', label: 'Username', required: true },
      { name: 'password', label: 'Password', type: 'password', writeOnly: true },
      { name: 'firstName', label: 'First name' },
      { name: 'lastName', label: 'Last name' },
      { name: 'email', label: 'Email' },
      { name: 'securityProfileIds', label: 'Security profiles', type: 'multiselect', ref: { path: 'security-profiles' } },
      { name: 'routingProfileId', label: 'Routing profile', type: 'select', ref: { path: 'routing-profiles' } },
      { name: 'phoneType', label: 'Phone', type: 'select', required: true, options: [{ value: 'SOFT_PHONE', label: 'Softphone (browser)' }, { value: 'DESK_PHONE', label: 'Desk phone' }] },
      { name: 'deskPhoneNumber', label: 'Desk phone number', required: true, placeholder: '+15550100, sip:alice@pbx.example.com or sip:registered',
        description: 'An E.164 number, a sip: URI, or sip:registered (the SIP device that registers with this username and the device password)',
        showIf: (v) => v.phoneType === 'DESK_PHONE' },
      { name: 'devicePassword', label: 'Device password', type: 'password', writeOnly: true, showIf: (v) => v.phoneType === 'DESK_PHONE',
        describe: (v) => `The digest password of the SIP desk phone, ${String(MIN_DEVICE_PASSWORD)} to 128 characters. ${v.hasDevicePassword ? 'One is set: leave empty to keep it.' : 'None is set yet.'}` },
      { name: 'autoAccept', label: 'Accept contacts automatically', type: 'checkbox' },
      { name: 'afterContactWorkTimeoutSeconds', label: 'After-contact work limit (seconds)', type: 'number', min: 0, max: 2_000_000, description: '0: no limit' },
    ],
    toBody: (v, o) => userBody(v, o),
  },
  {
    key: 'hours', title: 'Hours of operation', one: 'hours of operation', path: 'hours-of-operation', perm: 'routing.read', editPerm: 'routing.edit',
    columns: [nameCol, { key: 'timeZone', label: 'Time zone' }, descCol],
    defaults: {
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
      config: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((day) => ({ day, start: '09:00', end: '17:00' })),
      overrides: [],
    },
    fields: [
      name, description,
      { name: 'timeZone', label: 'Time zone', required: true, placeholder: 'Europe/Paris' },
      { name: 'config', label: 'Weekly hours', type: 'week' },
      { name: 'overrides', label: 'Holidays', type: 'holidays' },
    ],
  },
  {
    key: 'prompts', title: 'Prompts', one: 'prompt', path: 'prompts', perm: 'prompts.read', editPerm: 'prompts.edit',
    columns: [nameCol, descCol, { key: 'audio', label: 'Audio', render: (p) => { const a = p.audio as { durationMs?: number } | undefined; return a ? `${((a.durationMs ?? 0) / 1000).toFixed(1)} s` : '—'; } }],
    fields: [name, description],
    editorExtra: (item, ctx) => <PromptAudio key={String(item.id)} prompt={item} ctx={ctx} />,
  },
  {
    key: 'functions', title: 'Functions', one: 'function', path: 'functions', perm: 'functions.read', editPerm: 'functions.edit',
    columns: [nameCol, { key: 'url', label: 'URL' }],
    defaults: { timeoutSeconds: 3, internal: false },
    fields: [
      name, description,
      { name: 'url', label: 'URL', required: true, placeholder: 'https://crm.example.com/lookup' },
      { name: 'timeoutSeconds', label: 'Timeout (seconds)', type: 'number' },
      { name: 'secret', label: 'Signing secret', type: 'password', writeOnly: true },
      { name: 'internal', label: 'Internal (may reach private addresses; deployment admins only)', type: 'checkbox' },
    ],
  },
  {
    key: 'quick-connects', title: 'Quick connects', one: 'quick connect', path: 'quick-connects', perm: 'routing.read', editPerm: 'routing.edit',
    columns: [nameCol, { key: 'type', label: 'Type' }],
    defaults: { type: 'QUEUE' },
    fields: [
      name, description,
      { name: 'type', label: 'Type', type: 'select', required: true, options: [{ value: 'QUEUE', label: 'Queue' }, { value: 'USER', label: 'Agent' }, { value: 'PHONE_NUMBER', label: 'Phone number' }] },
      { name: 'queueId', label: 'Queue', type: 'select', ref: { path: 'queues' }, showIf: (v) => v.type === 'QUEUE' },
      { name: 'userId', label: 'Agent', type: 'select', ref: { path: 'users', label: 'username' }, showIf: (v) => v.type === 'USER' },
      { name: 'phoneNumber', label: 'Phone number', showIf: (v) => v.type === 'PHONE_NUMBER' },
      { name: 'flowId', label: 'Transfer flow', type: 'select', ref: { path: 'flows' } },
    ],
    toBody: (v, o) => {
      const b: Values = { ...(o ?? {}), ...v };
      if (b.type !== 'QUEUE') delete b.queueId;
      if (b.type !== 'USER') delete b.userId;
      if (b.type !== 'PHONE_NUMBER') delete b.phoneNumber;
      return JSON.parse(JSON.stringify(b)) as Values;
    },
  },
  {
    key: 'api-keys', title: 'API keys', one: 'API key', path: 'api-keys', perm: 'apikeys.edit', editPerm: 'apikeys.edit', noEdit: true,
    columns: [nameCol, { key: 'prefix', label: 'Prefix' }, { key: 'lastUsedAt', label: 'Last used', render: (k) => (k.lastUsedAt ? new Date(String(k.lastUsedAt)).toLocaleString() : 'never') },
      { key: 'expiresAt', label: 'Expires', render: (k) => (k.expiresAt ? new Date(String(k.expiresAt)).toLocaleDateString() : 'never') }],
    fields: [name, description, { name: 'expiresAt', label: 'Expires at', placeholder: '2027-01-01T00:00:00Z', description: 'RFC 3339; empty: never' }],
    toBody: (v) => JSON.parse(JSON.stringify({ name: v.name, description: v.description || undefined, expiresAt: v.expiresAt || undefined })) as Values,
    afterCreate: (k) => (
      <Alert color="teal" title="Copy the key now: it is not shown again" data-testid="created-key">
        <Stack gap="xs">
          <Code block>{String(k.key)}</Code>
          <CopyButton value={String(k.key)}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Stack>
      </Alert>
    ),
  },
  {
    key: 'flows', title: 'Flows', one: 'flow', path: 'flows', perm: 'flows.read', editPerm: 'flows.edit',
    columns: [
      { key: 'name', label: 'Name', render: (f) => (
        <Anchor component={Link} to={`/admin/flows/${encodeURIComponent(String(f.id))}/design?instance=${encodeURIComponent(String(f.instanceId))}`}
          data-testid={`design-${String(f.name)}`}>{String(f.name)}</Anchor>) },
      { key: 'type', label: 'Type' },
      { key: 'publishedVersion', label: 'Published', render: (f) => (f.publishedVersion ? <Badge variant="light">v{String(f.publishedVersion)}</Badge> : <Text size="sm" c="dimmed">draft</Text>) },
    ],
    defaults: { type: 'CONTACT_FLOW', content: { Version: '2019-10-30', StartAction: 'end', Actions: [{ Identifier: 'end', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} }] } },
    fields: [
      name, description,
      { name: 'type', label: 'Type', type: 'select', required: true,
        options: ['CONTACT_FLOW', 'CUSTOMER_QUEUE', 'CUSTOMER_HOLD', 'CUSTOMER_WHISPER', 'AGENT_HOLD', 'AGENT_WHISPER', 'OUTBOUND_WHISPER', 'AGENT_TRANSFER', 'QUEUE_TRANSFER', 'FLOW_MODULE'].map((v) => ({ value: v, label: v })) },
    ],
    toolbar: (ctx) => <FlowImportButton ctx={ctx} />,
    rowActions: (f, ctx) => <FlowExportButton flow={f} ctx={ctx} />,
  },
  {
    key: 'chat-widgets', title: 'Chat widgets', one: 'chat widget', path: 'chat-widgets', perm: 'numbers.read', editPerm: 'numbers.edit',
    columns: [nameCol, { key: 'contactFlowId', label: 'Flow', render: (w) => <FlowName item={w} field="contactFlowId" /> },
      { key: 'allowedOrigins', label: 'Origins', render: (w) => ((w.allowedOrigins as string[]) ?? []).join(', ') },
      { key: 'disabled', label: 'Disabled', render: (w) => (w.disabled ? <Badge variant="light" color="gray">Disabled</Badge> : <Text size="sm" c="dimmed">no</Text>) }],
    defaults: { allowedOrigins: [], disabled: false, requireToken: false },
    fields: [
      name, description,
      { name: 'contactFlowId', label: 'Contact flow', type: 'select', required: true, ref: { path: 'flows', filter: (f) => f.type === 'CONTACT_FLOW' },
        description: 'The flow the chats run (flows of type CONTACT_FLOW; publish it to take chats)' },
      { name: 'allowedOrigins', label: 'Allowed origins', type: 'list', required: true, placeholder: 'https://www.example.com',
        description: 'The websites that may use the widget (1 to 50), each scheme://host[:port]; a wildcard only as the leftmost label, as in https://*.example.com. Press Enter after each.' },
      { name: 'title', label: 'Title', placeholder: 'Chat with us', description: 'The launcher\'s and the panel\'s title (a page\'s data-title wins)' },
      { name: 'color', label: 'Colour', placeholder: '#1c7ed6', description: '#rgb or #rrggbb (a page\'s data-color wins)' },
      { name: 'displayName', label: 'Customer name', placeholder: 'Customer', description: 'The customer\'s name in the chat when the page gives none' },
      { name: 'disabled', label: 'Disabled (starts no chats)', type: 'checkbox' },
      { name: 'requireToken', label: 'Require a token (a JWT the website\'s server signs for each chat)', type: 'checkbox' },
      { name: 'securityKey', label: 'Security key', type: 'password', writeOnly: true, showIf: (v) => !!v.requireToken,
        generate: { label: 'Generate key', make: () => randomKey() },
        describe: (v) => `The HMAC key (HS256) of the tokens, at least 32 bytes. ${v.hasSecurityKey ? 'One is set: leave empty to keep it.' : 'None is set yet.'}` },
    ],
    toBody: (v, o) => chatWidgetBody(v, o),
    afterCreate: () => <Alert color="teal" data-testid="created-widget">Created: add the tag below to your website's pages.</Alert>,
    editorExtra: (w) => <ChatWidgetEmbed key={String(w.id)} widget={w} />,
  },
];

// MIN_DEVICE_PASSWORD is the API's shortest device password (core.MinDevicePasswordLen).
const MIN_DEVICE_PASSWORD = 8;

// queueBody is a queue's request body; an outbound caller ID with nothing
// set is left out rather than sent empty.
export function queueBody(v: Values, o: Values | undefined): Values {
  const b: Values = { ...(o ?? {}), ...v };
  const oc = { ...((b.outboundCallerId as Values | undefined) ?? {}) };
  for (const k of ['name', 'number', 'flowId']) if (!oc[k]) delete oc[k];
  if (Object.keys(oc).length) b.outboundCallerId = oc;
  else delete b.outboundCallerId;
  if (b.maxContacts === undefined || b.maxContacts === '') b.maxContacts = 0;
  return JSON.parse(JSON.stringify(b)) as Values;
}

// userBody is a user's request body: write-only passwords only when typed,
// and hasDevicePassword (an answer field) never.
export function userBody(v: Values, o: Values | undefined): Values {
  const b: Values = { ...(o ?? {}), ...v };
  for (const k of ['password', 'devicePassword']) if (!b[k]) delete b[k];
  delete b.hasDevicePassword;
  if (!b.routingProfileId) delete b.routingProfileId;
  if (b.afterContactWorkTimeoutSeconds === undefined || b.afterContactWorkTimeoutSeconds === '') b.afterContactWorkTimeoutSeconds = 0;
  return JSON.parse(JSON.stringify(b)) as Values;
}

// kindArea is the permission to see a kind's page.
export function kindPerm(k: KindSpec): string | undefined {
  return k.perm;
}
