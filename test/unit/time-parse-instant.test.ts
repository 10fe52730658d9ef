import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/policy/time.js';

const instant = (value: string) => {
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.instant.toISOString() : parsed.message;
};

describe('parseInstant (--now)', () => {
  it('a date alone is UTC midnight, whatever zone the machine is in', () => {
    expect(instant('2026-12-06')).toBe('2026-12-06T00:00:00.000Z');
  });

  it('an instant with Z or an offset is that instant', () => {
    expect(instant('2026-12-06T09:00Z')).toBe('2026-12-06T09:00:00.000Z');
    expect(instant('2026-12-06T10:00:00+01:00')).toBe('2026-12-06T09:00:00.000Z');
    expect(instant('2026-12-06T04:00:00.250-05:00')).toBe('2026-12-06T09:00:00.250Z');
  });

  it('a time without a zone is refused, with the fix', () => {
    expect(instant('2026-12-06T09:00')).toMatch(/needs its zone.*2026-12-06T09:00Z for UTC.*2026-12-06T09:00\+01:00/);
    expect(instant('2026-12-06T09:00:00')).toMatch(/needs its zone/);
  });

  it('dates and times that do not exist are refused, never rolled over', () => {
    for (const value of ['2026-02-30', '2026-13-01T00:00Z', '2026-12-06T24:00Z', '2026-12-06T09:60Z', '2026-12-06T09:00:61Z']) {
      expect(instant(value)).toMatch(/not a real date/);
    }
  });

  it('anything else is refused', () => {
    for (const value of ['yesterday', '1773133200000', '2026-12-06 09:00Z', ''])
      expect(instant(value)).toMatch(/expected an ISO-8601 instant/);
  });
});
