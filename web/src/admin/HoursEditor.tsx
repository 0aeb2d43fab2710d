// HoursEditor edits the week (config) and the holidays (overrides) of an
// hours of operation: a half-hour grid to paint with the mouse, a ranges
// text box per day (the keyboard way, and exact to the minute), and a
// table of holiday overrides.

import { useEffect, useRef, useState } from 'react';
import { ActionIcon, Box, Button, Group, Input, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import type { Values } from './form';
import {
  configToWeek, DAYS, daySlots, formatRanges, overridesToRows, paint, parseRanges, rowsToOverrides, SLOTS, weekToConfig,
  type ApiOverride, type ApiRange, type Day, type HolidayRow, type Week,
} from './hours';

interface Props {
  part: 'week' | 'holidays';
  values: Values;
  onChange(values: Values): void;
  error?: string;
}

export function HoursEditor({ part, values, onChange, error }: Props) {
  return part === 'week' ? (
    <WeekGrid values={values} onChange={onChange} error={error} />
  ) : (
    <Holidays values={values} onChange={onChange} error={error} />
  );
}

function WeekGrid({ values, onChange, error }: Omit<Props, 'part'>) {
  const week = configToWeek(values.config as ApiRange[] | undefined);
  const drag = useRef<{ day: Day; from: number; open: boolean; base: Week } | null>(null);
  const setWeek = (w: Week) => onChange({ ...values, config: weekToConfig(w) });
  useEffect(() => {
    const up = () => (drag.current = null);
    window.addEventListener('mouseup', up);
    return () => window.removeEventListener('mouseup', up);
  }, []);
  return (
    <Input.Wrapper label="Weekly hours" description="Drag on the grid to open or close half hours, or type ranges like 09:00-12:00, 13:00-17:00"
      error={error} data-testid="field-config">
      <Stack gap={4} mt={4}>
        {DAYS.map((day) => {
          const slots = daySlots(week[day]);
          return (
            <Group key={day} gap="xs" wrap="nowrap" align="center">
              <Text size="xs" w={34} fw={500}>{day.slice(0, 3)}</Text>
              <Box style={{ display: 'grid', gridTemplateColumns: `repeat(${SLOTS}, 1fr)`, flex: 1, minWidth: 0, height: 22, userSelect: 'none' }}
                aria-hidden data-testid={`hours-grid-${day}`}>
                {slots.map((open, i) => (
                  <div key={i} title={`${day} ${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`}
                    data-open={open}
                    style={{ background: open ? 'var(--mantine-color-teal-5)' : 'var(--mantine-color-gray-2)',
                      borderLeft: i % 2 === 0 ? '1px solid var(--mantine-color-gray-4)' : undefined, cursor: 'pointer' }}
                    onMouseDown={(e) => {
                      e.preventDefault();
                      drag.current = { day, from: i, open: !open, base: week };
                      setWeek(paint(week, day, i, i, !open));
                    }}
                    onMouseEnter={() => {
                      const d = drag.current;
                      if (d && d.day === day) setWeek(paint(d.base, day, d.from, i, d.open));
                    }} />
                ))}
              </Box>
              <DayRanges day={day} week={week} onWeek={setWeek} />
            </Group>
          );
        })}
      </Stack>
    </Input.Wrapper>
  );
}

// DayRanges is a day's ranges as text, applied when the box loses focus.
function DayRanges({ day, week, onWeek }: { day: Day; week: Week; onWeek(w: Week): void }) {
  const shown = formatRanges(week[day]);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  return (
    <TextInput aria-label={`${day} ranges`} size="xs" w={{ base: 120, sm: 200 }} value={text} placeholder="closed"
      data-testid={`hours-ranges-${day}`}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={() => onWeek({ ...week, [day]: parseRanges(text) })}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          onWeek({ ...week, [day]: parseRanges(text) });
        }
      }} />
  );
}

function Holidays({ values, onChange, error }: Omit<Props, 'part'>) {
  const [rows, setRows] = useState<HolidayRow[]>(() => overridesToRows(values.overrides as ApiOverride[] | undefined));
  const update = (next: HolidayRow[]) => {
    setRows(next);
    onChange({ ...values, overrides: rowsToOverrides(next) });
  };
  const set = (i: number, patch: Partial<HolidayRow>) => update(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Input.Wrapper label="Holidays and exceptions" description="Dates that replace the weekly hours: CLOSED (all day, or only the ranges given) or OPEN only during the ranges"
      error={error} data-testid="field-overrides">
      <Table.ScrollContainer minWidth={560} mt={4}>
        <Table withTableBorder verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th><Table.Th>From</Table.Th><Table.Th>To</Table.Th><Table.Th>Type</Table.Th><Table.Th>Ranges</Table.Th><Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r, i) => (
              <Table.Tr key={i} data-testid={`holiday-${i}`}>
                <Table.Td><TextInput size="xs" aria-label="Holiday name" value={r.name} onChange={(e) => set(i, { name: e.currentTarget.value })} /></Table.Td>
                <Table.Td><TextInput size="xs" type="date" aria-label="From" value={r.from} onChange={(e) => set(i, { from: e.currentTarget.value })} /></Table.Td>
                <Table.Td><TextInput size="xs" type="date" aria-label="To" value={r.to} onChange={(e) => set(i, { to: e.currentTarget.value })} /></Table.Td>
                <Table.Td><Select size="xs" aria-label="Type" data={['CLOSED', 'OPEN']} value={r.type} allowDeselect={false}
                  onChange={(v) => set(i, { type: v ?? 'CLOSED' })} /></Table.Td>
                <Table.Td><TextInput size="xs" aria-label="Ranges" placeholder="all day" value={r.ranges} onChange={(e) => set(i, { ranges: e.currentTarget.value })} /></Table.Td>
                <Table.Td><ActionIcon variant="subtle" color="red" aria-label="Remove holiday" onClick={() => update(rows.filter((_, j) => j !== i))}>✕</ActionIcon></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Button size="xs" variant="light" mt="xs" data-testid="add-holiday"
        onClick={() => update([...rows, { name: 'Holiday', from: new Date().toISOString().slice(0, 10), to: '', type: 'CLOSED', ranges: '' }])}>
        Add a date
      </Button>
    </Input.Wrapper>
  );
}
