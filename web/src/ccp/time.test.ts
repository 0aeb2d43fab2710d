import { describe, expect, it } from 'vitest';
import { clock, secondsLeft, secondsSince } from './time';

describe('time helpers', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');
  it('counts down whole seconds to a deadline, never below 0', () => {
    expect(secondsLeft('2026-01-01T00:00:30.000Z', now)).toBe(30);
    expect(secondsLeft('2026-01-01T00:00:29.200Z', now)).toBe(30);
    expect(secondsLeft('2025-12-31T23:59:00.000Z', now)).toBe(0);
    expect(secondsLeft(undefined, now)).toBeNull();
    expect(secondsLeft('not a time', now)).toBeNull();
  });
  it('counts elapsed seconds', () => {
    expect(secondsSince('2025-12-31T23:58:55.000Z', now)).toBe(65);
    expect(secondsSince(undefined, now)).toBe(0);
  });
  it('formats a clock', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(65)).toBe('1:05');
    expect(clock(3725)).toBe('1:02:05');
  });
});
