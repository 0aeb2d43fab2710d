// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionContext, type Session } from '../session/SessionContext';
import { ResourcePage, type KindSpec } from './ResourcePage';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const spec: KindSpec = { key: 'queues', title: 'Queues', one: 'queue', path: 'queues', columns: [{ key: 'name', label: 'Name' }], fields: [{ name: 'name', label: 'Name' }] };

// A session whose API pages 250 queues by 100, like the server: nextToken
// is the index of the next item.
function fakeSession(asked: string[]): Session {
  return {
    info: { admin: true, permissions: [] }, permissions: [], can: () => true,
    api: async <T,>(path: string) => {
      asked.push(path);
      const u = new URL(path, 'http://x');
      const max = Number(u.searchParams.get('maxResults'));
      const from = Number(u.searchParams.get('nextToken') ?? 0);
      const items = Array.from({ length: Math.min(max, 250 - from) }, (_, i) => ({ id: `q${from + i}`, name: `Queue ${from + i}` }));
      return { items, nextToken: from + max < 250 ? String(from + max) : undefined } as T;
    },
    fetch: async () => new Response(), logout: async () => {}, refresh: async () => {},
  } as unknown as Session;
}

let root: Root | undefined;
let host: HTMLElement | undefined;

beforeAll(() => {
  window.matchMedia ??= ((m: string) => ({ matches: false, media: m, onchange: null, addListener() {}, removeListener() {},
    addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false })) as unknown as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
});

afterEach(() => {
  act(() => root?.unmount());
  host?.remove();
});

const settle = () => act(async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); });
const rows = () => host!.querySelectorAll('[data-testid^="row-"]').length;
const more = () => host!.querySelector<HTMLButtonElement>('[data-testid="load-more"]');

describe('ResourcePage paging', () => {
  it('shows the first page and loads the next ones on demand', async () => {
    const asked: string[] = [];
    host = document.body.appendChild(document.createElement('div'));
    root = createRoot(host);
    act(() => root!.render(
      <MantineProvider>
        <MemoryRouter>
          <SessionContext.Provider value={fakeSession(asked)}>
            <ResourcePage spec={spec} instanceId="i1" />
          </SessionContext.Provider>
        </MemoryRouter>
      </MantineProvider>,
    ));
    await settle();
    expect(rows()).toBe(100);
    expect(asked).toEqual(['/api/v1/instances/i1/queues?maxResults=100']);
    act(() => more()!.click());
    await settle();
    expect(rows()).toBe(200);
    expect(asked[1]).toBe('/api/v1/instances/i1/queues?maxResults=100&nextToken=100');
    act(() => more()!.click());
    await settle();
    expect(rows()).toBe(250);
    expect(host.querySelector('[data-testid="row-Queue 249"]')).not.toBeNull();
    expect(more()).toBeNull();
  });
});
