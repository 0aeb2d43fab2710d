// AdminApp is the admin console at /admin/*: a navigation (a sidebar on
// desktop, a drawer behind the burger on a phone) and one ResourcePage per
// kind (kinds.tsx). The instance being administered is the session's, or,
// for a deployment admin, the one picked in the header (?instance=<id>).

import { useEffect, useState } from 'react';
import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Select, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router-dom';
import { RequireSession, useSession } from '../session/SessionContext';
import { kinds } from './kinds';
import { listAll, pageUrl, REF_PAGE, type Page } from './paging';
import { ResourcePage, type KindSpec } from './ResourcePage';

export function AdminApp() {
  return (
    <RequireSession>
      <AdminShell />
    </RequireSession>
  );
}

interface Instance {
  id: string;
  alias: string;
}

// visibleKinds are the pages a session may open.
export function visibleKinds(admin: boolean, can: (perm: string) => boolean): KindSpec[] {
  return kinds.filter((k) => (k.scope === 'deployment' ? admin : !k.perm || can(k.perm)));
}

function AdminShell() {
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const [params, setParams] = useSearchParams();
  const loc = useLocation();
  const [instances, setInstances] = useState<Instance[]>([]);
  const admin = session.info.admin;

  useEffect(() => {
    if (!admin) return;
    listAll<Instance>((token) => session.api<Page<Instance>>(pageUrl('/api/v1/instances', REF_PAGE, token)))
      .then(setInstances)
      .catch(() => setInstances([]));
  }, [session, admin, loc.pathname]);

  const instanceId = session.instance?.id ?? params.get('instance') ?? instances[0]?.id ?? '';
  useEffect(() => {
    // Keep the picked instance in the URL so links and reloads keep it.
    if (admin && instanceId && params.get('instance') !== instanceId) {
      const p = new URLSearchParams(params);
      p.set('instance', instanceId);
      setParams(p, { replace: true });
    }
  }, [admin, instanceId, params, setParams]);

  const visible = visibleKinds(admin, session.can);
  const q = instanceId ? `?instance=${encodeURIComponent(instanceId)}` : '';
  const who = session.user?.displayName || session.user?.username || (admin ? 'Deployment admin' : 'API key');

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" data-testid="nav-burger" />
            <Title order={4}>Switchboard</Title>
            {admin ? (
              <Select aria-label="Instance" size="xs" w={{ base: 120, sm: 220 }} data-testid="instance-picker"
                data={instances.map((i) => ({ value: i.id, label: i.alias }))} value={instanceId || null} allowDeselect={false}
                onChange={(v) => v && setParams({ instance: v })} />
            ) : (
              <Text size="sm" c="dimmed" visibleFrom="xs">{session.instance?.alias}</Text>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" data-testid="session-user">{who}</Text>
            <Button size="xs" variant="default" onClick={() => void session.logout()} data-testid="logout-button">
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Admin navigation">
        <ScrollArea>
          {visible.map((k) => (
            <NavLink key={k.key} component={Link} to={`/admin/${k.key}${q}`} label={k.title} data-testid={`nav-${k.key}`}
              active={loc.pathname === `/admin/${k.key}`} onClick={close} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        {!instanceId && admin && visible.length > 0 && loc.pathname !== '/admin/instances' ? (
          <Text>
            No instance yet: <Link to="/admin/instances">create one</Link>.
          </Text>
        ) : (
          <Routes>
            {visible.map((k) => (
              <Route key={k.key} path={k.key} element={<ResourcePage key={`${k.key}:${instanceId}`} spec={k} instanceId={instanceId} />} />
            ))}
            <Route path="*" element={visible.length ? <Navigate to={`/admin/${visible.find((k) => k.scope !== 'deployment')?.key ?? visible[0].key}${q}`} replace />
              : <Text>Your security profiles give you no admin pages.</Text>} />
          </Routes>
        )}
      </AppShell.Main>
    </AppShell>
  );
}
