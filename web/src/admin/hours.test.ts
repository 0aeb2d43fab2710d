import { describe, expect, it } from 'vitest';
import { configToWeek, daySlots, overridesToRows, paint, parseRanges, rowsToOverrides, slotsToRanges, weekToConfig, type ApiRange } from './hours';

describe('hours week model', () => {
  const config: ApiRange[] = [
    { day: 'TUESDAY', start: '13:00', end: '17:30' },
    { day: 'MONDAY', start: '09:00', end: '17:00' },
    { day: 'TUESDAY', start: '08:15', end: '12:00' },
    { day: 'SATURDAY', start: '22:00', end: '02:00' },
    { day: 'SUNDAY', start: '00:00', end: '24:00' },
  ];

  it('groups the API ranges by day, sorted, and back, Monday first', () => {
    const w = configToWeek(config);
    expect(w.TUESDAY).toEqual([{ start: '08:15', end: '12:00' }, { start: '13:00', end: '17:30' }]);
    expect(w.WEDNESDAY).toEqual([]);
    expect(weekToConfig(w)).toEqual([
      { day: 'MONDAY', start: '09:00', end: '17:00' },
      { day: 'TUESDAY', start: '08:15', end: '12:00' },
      { day: 'TUESDAY', start: '13:00', end: '17:30' },
      { day: 'SATURDAY', start: '22:00', end: '02:00' },
      { day: 'SUNDAY', start: '00:00', end: '24:00' },
    ]);
    // A round trip keeps every range exactly (minutes, past midnight, 24:00).
    expect(configToWeek(weekToConfig(w))).toEqual(w);
  });

  it('shows ranges on a half-hour grid, a range past midnight to the end of its day', () => {
    const w = configToWeek(config);
    const mon = daySlots(w.MONDAY);
    expect(mon.filter(Boolean).length).toBe(16);
    expect(mon[17]).toBe(false);
    expect(mon[18]).toBe(true);
    expect(mon[33]).toBe(true);
    expect(mon[34]).toBe(false);
    expect(daySlots(w.SATURDAY).filter(Boolean).length).toBe(4);
    expect(daySlots(w.SUNDAY).every(Boolean)).toBe(true);
    expect(slotsToRanges(daySlots(w.SUNDAY))).toEqual([{ start: '00:00', end: '24:00' }]);
  });

  it('painting opens and closes half hours of one day only', () => {
    const w = configToWeek(config);
    const opened = paint(w, 'WEDNESDAY', 20, 17, true); // dragged backwards
    expect(opened.WEDNESDAY).toEqual([{ start: '08:30', end: '10:30' }]);
    expect(opened.MONDAY).toBe(w.MONDAY);
    const lunch = paint(w, 'MONDAY', 24, 25, false);
    expect(lunch.MONDAY).toEqual([{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }]);
    expect(weekToConfig(lunch).filter((r) => r.day === 'MONDAY')).toHaveLength(2);
  });

  it('holiday rows convert to overrides and back', () => {
    const overrides = [
      { name: 'Christmas', from: '2026-12-25', type: 'CLOSED' },
      { name: 'Sale', from: '2026-11-27', to: '2026-11-29', type: 'OPEN', ranges: [{ start: '08:00', end: '12:00' }, { start: '14:00', end: '20:00' }] },
    ];
    const rows = overridesToRows(overrides);
    expect(rows[1].ranges).toBe('08:00-12:00, 14:00-20:00');
    expect(rows[0].to).toBe('');
    expect(rowsToOverrides(rows)).toEqual(overrides);
    expect(rowsToOverrides([{ name: 'x', from: '2026-01-01', to: '2026-01-01', type: 'CLOSED', ranges: ' ' }])).toEqual([
      { name: 'x', from: '2026-01-01', type: 'CLOSED' },
    ]);
    expect(parseRanges('09:00 - 12:00,,13:00-')).toEqual([{ start: '09:00', end: '12:00' }, { start: '13:00', end: '' }]);
  });
});
