import { describe, expect, it } from 'vitest';
import { fetchPages, listAll, pageUrl, type Page } from './paging';

// pagedServer answers like the API: pages of `size` items, nextToken the
// index of the next item, and records the tokens it was asked for.
function pagedServer(total: number, size: number) {
  const asked: (string | undefined)[] = [];
  const fetch = async (token: string | undefined): Promise<Page<number>> => {
    asked.push(token);
    const from = token ? Number(token) : 0;
    const items = Array.from({ length: Math.min(size, total - from) }, (_, i) => from + i);
    return { items, nextToken: from + size < total ? String(from + size) : undefined };
  };
  return { fetch, asked };
}

describe('paging', () => {
  it('builds page URLs with maxResults and the escaped token', () => {
    expect(pageUrl('/api/v1/instances/i/queues', 100)).toBe('/api/v1/instances/i/queues?maxResults=100');
    expect(pageUrl('/x?name=a', 5, 'a+b/=')).toBe('/x?name=a&maxResults=5&nextToken=a%2Bb%2F%3D');
  });

  it('loads one page and keeps the token of the next', async () => {
    const s = pagedServer(250, 100);
    const p = await fetchPages(s.fetch, 1);
    expect(p.items).toHaveLength(100);
    expect(p.nextToken).toBe('100');
    expect(s.asked).toEqual([undefined]);
  });

  it('reloads as many pages as were shown', async () => {
    const s = pagedServer(250, 100);
    const p = await fetchPages(s.fetch, 150);
    expect(p.items).toHaveLength(200);
    expect(p.items[199]).toBe(199);
    expect(p.nextToken).toBe('200');
    expect(s.asked).toEqual([undefined, '100']);
  });

  it('follows every token for a select, past 1000 items', async () => {
    const s = pagedServer(2345, 1000);
    const all = await listAll(s.fetch);
    expect(all).toHaveLength(2345);
    expect(all[2344]).toBe(2344);
    expect(s.asked).toEqual([undefined, '1000', '2000']);
  });

  it('stops after maxPages when the server never ends', async () => {
    let n = 0;
    const all = await listAll(async () => ({ items: [n++], nextToken: 'again' }), 3);
    expect(all).toEqual([0, 1, 2]);
  });
});
