import { describe, expect, it } from 'vitest';
import { instantFromEpoch, instantFromText } from '../../src/db/instants.js';
import { FAR_PAST_MS, FOREVER_MS, formatExactInstant as formatInstant, isForever, isValidDate } from '../../src/policy/time.js';

const iso = (d: Date | null) => (d === null ? 'null' : isValidDate(d) ? d.toISOString() : 'invalid');

describe('instantFromText: a text deadline or snooze column', () => {
  it('reads ISO 8601, with a date alone or a time without a zone as UTC', () => {
    expect(iso(instantFromText('2026-03-09'))).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(instantFromText('2026-03-09 10:00'))).toBe('2026-03-09T10:00:00.000Z');
    expect(iso(instantFromText('2026-03-09T10:00:05.25'))).toBe('2026-03-09T10:00:05.250Z');
    expect(iso(instantFromText('2026-03-09T10:00:00Z'))).toBe('2026-03-09T10:00:00.000Z');
    expect(iso(instantFromText('2026-03-09 10:00:00+02'))).toBe('2026-03-09T08:00:00.000Z');
    expect(iso(instantFromText('2026-03-09 10:00:00-05:30'))).toBe('2026-03-09T15:30:00.000Z');
    expect(iso(instantFromText(' 2026-03-09 10:00:00 UTC '))).toBe('2026-03-09T10:00:00.000Z');
    expect(iso(instantFromText('2024-02-29'))).toBe('2024-02-29T00:00:00.000Z');
  });

  it('keeps the infinities as instants with a meaning', () => {
    expect(instantFromText('infinity')!.getTime()).toBe(FOREVER_MS);
    expect(isForever(instantFromText('Infinity')!)).toBe(true);
    expect(instantFromText('-infinity')!.getTime()).toBe(FAR_PAST_MS);
  });

  it('refuses anything else as an Invalid Date (present but unreadable), never a guess; NULL stays NULL', () => {
    for (const text of [
      'next tuesday',
      '',
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-03-09 25:00',
      '03/09/2026',
      '2026-03-09T10:00+16',
      '0099-01-01',
      '1773136800',
    ]) {
      const value = instantFromText(text);
      expect(value, text).toBeInstanceOf(Date);
      expect(isValidDate(value), text).toBe(false);
    }
    expect(instantFromText(null)).toBeNull();
  });
});

describe('instantFromEpoch: date_part(epoch) of a timestamptz, timestamp or date column', () => {
  it('reads seconds to milliseconds, the infinities as FOREVER and the far past, NULL as NULL', () => {
    expect(iso(instantFromEpoch(1773136800.123))).toBe('2026-03-10T10:00:00.123Z');
    expect(instantFromEpoch(Infinity)!.getTime()).toBe(FOREVER_MS);
    expect(instantFromEpoch(-Infinity)!.getTime()).toBe(FAR_PAST_MS);
    expect(isValidDate(instantFromEpoch(Number.NaN))).toBe(false);
    expect(instantFromEpoch(null)).toBeNull();
  });

  it('FOREVER reads as "forever" for people', () => {
    expect(formatInstant(new Date(FOREVER_MS))).toBe('forever');
  });
});
