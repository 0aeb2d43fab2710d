// Instance helpers shared by the supervisor and try-the-widget pages. Both
// run inside the console's session (src/session: RequireSession sends
// the browser to /login when nobody is logged in); requests carry its
// credentials through sessionApi / credentialHeaders.

import { Select } from '@mantine/core';
import { ApiError } from '../lib/http';
import { sessionApi } from '../session/session';

export interface InstanceSummary {
  id: string;
  alias: string;
}

/** listInstances lists the instances the caller sees (a user or an instance key sees its own). */
export async function listInstances(): Promise<InstanceSummary[]> {
  const out = await sessionApi<{ items?: InstanceSummary[] }>('/api/v1/instances?maxResults=1000');
  return out.items ?? [];
}

/** resolveInstance maps an instance ID or alias (?instance=demo) to its ID. */
export async function resolveInstance(ref: string): Promise<string> {
  const all = await listInstances();
  const hit = all.find((i) => i.id === ref) ?? all.find((i) => i.alias === ref);
  if (!hit) throw new ApiError(404, 'not_found', `no instance ${ref}`);
  return hit.id;
}

/** InstancePicker lets the user choose an instance when the URL names none. */
export function InstancePicker({ instances, onPick }: { instances: InstanceSummary[]; onPick: (id: string) => void }) {
  return (
    <Select
      label="Instance"
      placeholder="Choose an instance"
      data={instances.map((i) => ({ value: i.id, label: i.alias || i.id }))}
      onChange={(v) => v && onPick(v)}
      data-testid="instance-picker"
      maw={360}
    />
  );
}
