// Paging of the API's list endpoints: GET <collection>?maxResults=N
// answers { items, nextToken }, and the next page is asked for with
// ?nextToken=<token>. Tables load one page at a time ("Load more"); the
// options of a select need every item, so they follow the tokens to the end.

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

// PageFetcher loads the page after token (undefined: the first page).
export type PageFetcher<T> = (token: string | undefined) => Promise<Page<T>>;

// TABLE_PAGE is how many rows a table loads at a time; REF_PAGE the page
// size used to collect a select's options (the API's maximum).
export const TABLE_PAGE = 100;
export const REF_PAGE = 1000;

// pageUrl is the URL of one page of the collection at base (which may
// already carry a query).
export function pageUrl(base: string, max: number, token?: string): string {
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}maxResults=${max}${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`;
}

// fetchPages loads pages from the start until it has at least minItems items
// or the list ends, and returns them with the token of the page after the
// last one loaded. A reload after an edit uses it to show as many rows as
// before, rather than falling back to the first page.
export async function fetchPages<T>(fetch: PageFetcher<T>, minItems: number, maxPages = 1000): Promise<Page<T>> {
  const items: T[] = [];
  let token: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const p = await fetch(token);
    items.push(...p.items);
    token = p.nextToken || undefined;
    if (!token || items.length >= minItems) break;
  }
  return { items, nextToken: token };
}

// listAll follows nextToken to the end of the list (at most maxPages pages,
// a guard against a server that never stops).
export async function listAll<T>(fetch: PageFetcher<T>, maxPages = 100): Promise<T[]> {
  return (await fetchPages(fetch, Number.POSITIVE_INFINITY, maxPages)).items;
}
