// Hours of operation: the API's JSON (internal/hours: config[] of
// {day, start, end} with "HH:MM" times, end may be "24:00" or before start
// for a range past midnight; overrides[] of {name, from, to, type, ranges})
// and the editor's models: a week of ranges per day, a half-hour grid per
// day for painting, and holiday rows with their ranges as text.

export const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type Day = (typeof DAYS)[number];

export interface TimeRange {
  start: string;
  end: string;
}

export interface ApiRange extends TimeRange {
  day: string;
}

export interface ApiOverride {
  name: string;
  from: string;
  to?: string;
  type: 'OPEN' | 'CLOSED' | string;
  ranges?: TimeRange[];
}

export type Week = Record<Day, TimeRange[]>;

// SLOTS is the grid's resolution: half hours.
export const SLOTS = 48;

export function emptyWeek(): Week {
  return Object.fromEntries(DAYS.map((d) => [d, []])) as unknown as Week;
}

export function minutes(t: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

export function hhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

// configToWeek groups the API's ranges by day, sorted by start. Unknown
// days are dropped (the API refuses them anyway).
export function configToWeek(config: ApiRange[] | undefined): Week {
  const w = emptyWeek();
  for (const r of config ?? []) {
    const d = r.day.toUpperCase() as Day;
    if (DAYS.includes(d)) w[d].push({ start: r.start, end: r.end });
  }
  for (const d of DAYS) w[d].sort((a, b) => minutes(a.start) - minutes(b.start));
  return w;
}

// weekToConfig is the API's config of a week, Monday first.
export function weekToConfig(w: Week): ApiRange[] {
  return DAYS.flatMap((day) =>
    [...w[day]].sort((a, b) => minutes(a.start) - minutes(b.start)).map((r) => ({ day, start: r.start, end: r.end })),
  );
}

// daySlots says which half hours of the day a day's ranges open; a range
// past midnight opens the day from its start to the end of the day.
export function daySlots(ranges: TimeRange[]): boolean[] {
  const s = new Array<boolean>(SLOTS).fill(false);
  for (const r of ranges) {
    const a = minutes(r.start);
    let b = minutes(r.end);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    if (b <= a) b = 24 * 60;
    for (let i = Math.floor(a / 30); i < Math.ceil(b / 30) && i < SLOTS; i++) s[i] = true;
  }
  return s;
}

// slotsToRanges turns painted half hours back into ranges.
export function slotsToRanges(slots: boolean[]): TimeRange[] {
  const out: TimeRange[] = [];
  for (let i = 0; i < slots.length; i++) {
    if (!slots[i]) continue;
    let j = i;
    while (j < slots.length && slots[j]) j++;
    out.push({ start: hhmm(i * 30), end: hhmm(j * 30) });
    i = j;
  }
  return out;
}

// paint sets slots [from, to] (inclusive, either order) of a day to open.
export function paint(w: Week, day: Day, from: number, to: number, open: boolean): Week {
  const s = daySlots(w[day]);
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) s[i] = open;
  return { ...w, [day]: slotsToRanges(s) };
}

// formatRanges and parseRanges show a list of ranges as "09:00-12:00, 14:00-18:00".
export function formatRanges(rs: TimeRange[] | undefined): string {
  return (rs ?? []).map((r) => `${r.start}-${r.end}`).join(', ');
}

export function parseRanges(s: string): TimeRange[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [start, end = ''] = p.split('-').map((x) => x.trim());
      return { start, end };
    });
}

// HolidayRow is an override as the editor shows it.
export interface HolidayRow {
  name: string;
  from: string;
  to: string;
  type: string;
  ranges: string;
}

export function overridesToRows(o: ApiOverride[] | undefined): HolidayRow[] {
  return (o ?? []).map((x) => ({ name: x.name, from: x.from, to: x.to ?? '', type: x.type, ranges: formatRanges(x.ranges) }));
}

export function rowsToOverrides(rows: HolidayRow[]): ApiOverride[] {
  return rows.map((r) => {
    const o: ApiOverride = { name: r.name, from: r.from, type: r.type };
    if (r.to && r.to !== r.from) o.to = r.to;
    const ranges = parseRanges(r.ranges);
    if (ranges.length) o.ranges = ranges;
    return o;
  });
}
