// The designer's calls: the flows API (get, save the draft, publish), the
// chat start and the participant API for the test panel. Authentication is
// an API key until the console session (web/src/session) is in place: the
// key is read from sessionStorage "sb.apiKey" (the page asks for one when it
// is absent). Without a key, requests go with the session cookie and the
// CSRF header the API wants for unsafe methods.

import { api, ApiError, type FieldError } from '../lib/http';
import type { JsonObject } from './model';

export interface FlowResource {
  id: string;
  instanceId: string;
  name: string;
  description?: string;
  type: string;
  content: JsonObject;
  version: number;
  publishedVersion?: number;
}

export interface Auth {
  apiKey?: string;
}

export const API_KEY_STORAGE = 'sb.apiKey';

function csrfHeader(): Record<string, string> {
  if (typeof document === 'undefined') return {};
  const m = /(?:^|;\s*)sb_csrf=([^;]+)/.exec(document.cookie);
  return m ? { 'X-CSRF-Token': decodeURIComponent(m[1]) } : {};
}

function call<T>(auth: Auth, path: string, opts: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return api<T>(path, { ...opts, token: auth.apiKey, headers: { ...(auth.apiKey ? {} : csrfHeader()), ...opts.headers } });
}

const flowPath = (inst: string, id: string) => `/api/v1/instances/${encodeURIComponent(inst)}/flows/${encodeURIComponent(id)}`;

// resolveInstance accepts an instance ID or alias and returns the ID (the
// API's paths take IDs).
export async function resolveInstance(auth: Auth, ref: string): Promise<string> {
  try {
    const inst = await call<{ id: string }>(auth, `/api/v1/instances/${encodeURIComponent(ref)}`);
    return inst.id;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    const list = await call<{ items: { id: string; alias: string }[] }>(auth, '/api/v1/instances');
    const hit = list.items.find((i) => i.alias === ref || i.id === ref);
    if (!hit) throw e;
    return hit.id;
  }
}

// callerInstance is the instance of the caller's session or instance key
// (GET /auth/me); undefined for a deployment admin, who must name one.
export async function callerInstance(auth: Auth): Promise<string | undefined> {
  const me = await call<{ instance?: { id: string } }>(auth, '/api/v1/auth/me');
  return me.instance?.id;
}

export const getFlow = (auth: Auth, inst: string, id: string) => call<FlowResource>(auth, flowPath(inst, id));

// saveFlow replaces the draft, refusing to overwrite a change made since f
// was read (f.version).
export const saveFlow = (auth: Auth, f: FlowResource, content: JsonObject) =>
  call<FlowResource>(auth, flowPath(f.instanceId, f.id), {
    method: 'PUT',
    body: { name: f.name, description: f.description ?? '', type: f.type, content, version: f.version },
  });

// publishFlow validates the stored draft on the server and publishes it;
// a 422 carries the validator's errors, named by action.
export const publishFlow = (auth: Auth, f: FlowResource) =>
  call<FlowResource>(auth, `${flowPath(f.instanceId, f.id)}/publish`, { method: 'POST', headers: { 'If-Match': `"${f.version}"` } });

export interface FlowValidationResult {
  valid: boolean;
  errors: FieldError[];
}

// validateFlow checks a document as publishing would, without storing it.
export const validateFlow = (auth: Auth, inst: string, content: JsonObject) =>
  call<FlowValidationResult>(auth, `/api/v1/instances/${encodeURIComponent(inst)}/flows/validate`, { body: { content } });

export interface StartChatOutput {
  ContactId: string;
  ParticipantId: string;
  ParticipantToken: string;
}

// startChat starts a chat contact that runs the flow's published version.
export const startChat = (auth: Auth, inst: string, flowId: string) =>
  call<StartChatOutput>(auth, `/api/v1/instances/${encodeURIComponent(inst)}/contacts/chat`, {
    body: { ContactFlowId: flowId, ParticipantDetails: { DisplayName: 'Designer test' } },
  });

// ---- the participant API (docs/chat.md): the customer's side of the chat ----

export interface TranscriptItem {
  Id: string;
  Type: string;
  ContentType: string;
  Content?: string;
  ParticipantRole?: string;
  DisplayName?: string;
  AbsoluteTime: string;
}

async function participant<T>(path: string, bearer: string, body: unknown): Promise<T> {
  const res = await fetch(`/participant/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Amz-Bearer': bearer },
    body: JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new Error(`${path}: ${data.message ?? res.statusText} (${res.status})`);
  return data;
}

// connectParticipant gets the connection token the other calls take.
export async function connectParticipant(participantToken: string): Promise<string> {
  const out = await participant<{ ConnectionCredentials: { ConnectionToken: string } }>('connection', participantToken, {
    Type: ['CONNECTION_CREDENTIALS'],
    ConnectParticipant: true,
  });
  return out.ConnectionCredentials.ConnectionToken;
}

export const sendMessage = (conn: string, text: string) =>
  participant<{ Id: string }>('message', conn, { ContentType: 'text/plain', Content: text, ClientToken: crypto.randomUUID() });

export const disconnectParticipant = (conn: string) => participant<unknown>('disconnect', conn, {});

// transcript reads the whole transcript, oldest first.
export async function transcript(conn: string): Promise<TranscriptItem[]> {
  const items: TranscriptItem[] = [];
  let next: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await participant<{ Transcript: TranscriptItem[]; NextToken?: string }>('transcript', conn, {
      MaxResults: 100,
      ScanDirection: 'FORWARD',
      SortOrder: 'ASCENDING',
      ...(next ? { NextToken: next } : {}),
    });
    items.push(...(out.Transcript ?? []));
    next = out.NextToken;
    if (!next) break;
  }
  return items;
}
