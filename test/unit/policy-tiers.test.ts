import { describe, expect, it } from 'vitest';
import { assessRow, createPolicyContext, type Assessment } from '../../src/policy/assess.js';
import { daysOverdue, formatExactInstant } from '../../src/policy/time.js';
import { assertValidLadder } from '../../src/policy/tiers.js';
import type { ConsumerRow } from '../../src/policy/types.js';
import { consumer, DEFAULT_TEST_TIERS, tier, type ConsumerSpec } from '../support/builders.js';
import { DAY_MS, HOUR_MS, NOW } from '../support/clock.js';

function assess(row: ConsumerRow, tiers = DEFAULT_TEST_TIERS): Assessment {
  return assessRow(row, createPolicyContext({ tiers, pendingStatuses: ['pending'] }), NOW);
}

function tierNameOf(spec: ConsumerSpec, tiers = DEFAULT_TEST_TIERS): string {
  const result = assess(consumer({ now: NOW, ...spec }), tiers);
  if (result.kind !== 'outstanding') throw new Error(`expected outstanding, got ${result.kind}`);
  return result.laggard.tier.name;
}

describe('daysOverdue', () => {
  it('counts whole days from the deadline, rounded down', () => {
    expect(daysOverdue(new Date('2026-03-02T09:00:00Z'), NOW)).toBe(8);
    expect(daysOverdue(new Date('2026-03-02T09:00:00.001Z'), NOW)).toBe(7);
    expect(daysOverdue(new Date('2026-03-10T08:59:59Z'), NOW)).toBe(0);
  });

  it('is zero at the deadline and negative before it', () => {
    expect(daysOverdue(NOW, NOW)).toBe(0);
    expect(daysOverdue(new Date('2026-03-10T09:00:00.001Z'), NOW)).toBe(-1);
  });
});

describe('tier of an overdue consumer (default ladder)', () => {
  it.each([
    ['1 ms past the deadline', 'gentle', 1],
    ['3 d − 1 ms', 'gentle', 3 * DAY_MS - 1],
    ['exactly 3 d', 'firm', 3 * DAY_MS],
    ['7 d − 1 ms', 'firm', 7 * DAY_MS - 1],
    ['exactly 7 d', 'urgent', 7 * DAY_MS],
    ['14 d − 1 ms', 'urgent', 14 * DAY_MS - 1],
    ['exactly 14 d', 'critical', 14 * DAY_MS],
    ['400 d', 'critical', 400 * DAY_MS],
  ])('%s overdue → %s', (_label, expected, overdueMs) => {
    expect(tierNameOf({ overdueMs })).toBe(expected);
  });

  it('reports days overdue next to the tier', () => {
    const result = assess(consumer({ now: NOW, overdueMs: 7 * DAY_MS + 5 * HOUR_MS }));
    expect(result).toMatchObject({ kind: 'outstanding', tierIndex: 2, laggard: { daysOverdue: 7 } });
  });

  it('is not outstanding at the deadline instant, nor before it', () => {
    expect(assess(consumer({ now: NOW, deadline: NOW })).kind).toBe('not-outstanding');
    expect(assess(consumer({ now: NOW, deadline: new Date(NOW.getTime() + 1) })).kind).toBe('not-outstanding');
    expect(assess(consumer({ now: NOW, deadline: new Date(NOW.getTime() - 1) })).kind).toBe('outstanding');
  });
});

describe('fractional afterDaysOverdue', () => {
  const halfDays = [
    tier({ name: 'first', afterDaysOverdue: 0 }),
    tier({ name: 'half', afterDaysOverdue: 0.5 }),
    tier({ name: 'day-and-a-quarter', afterDaysOverdue: 1.25 }),
  ];

  it('switches at the exact millisecond, not at whole days', () => {
    expect(tierNameOf({ overdueMs: 12 * HOUR_MS - 1 }, halfDays)).toBe('first');
    expect(tierNameOf({ overdueMs: 12 * HOUR_MS }, halfDays)).toBe('half');
    expect(tierNameOf({ overdueMs: 30 * HOUR_MS - 1 }, halfDays)).toBe('half');
    expect(tierNameOf({ overdueMs: 30 * HOUR_MS }, halfDays)).toBe('day-and-a-quarter');
  });

  it('lets the last of two tiers with the same start win', () => {
    const twins = [tier({ name: 'a', afterDaysOverdue: 0 }), tier({ name: 'b', afterDaysOverdue: 0 })];
    expect(tierNameOf({ overdueMs: 1 }, twins)).toBe('b');
  });
});

describe('ladder sanity (a caller bug, not a user error)', () => {
  it.each([
    ['empty', []],
    ['first tier not at 0', [tier({ name: 'late', afterDaysOverdue: 1 })]],
    ['descending', [tier({ name: 'a' }), tier({ name: 'b', afterDaysOverdue: 5 }), tier({ name: 'c', afterDaysOverdue: 2 })]],
    ['duplicate name', [tier({ name: 'a' }), tier({ name: 'a', afterDaysOverdue: 2 })]],
    ['zero cadence', [tier({ name: 'a', everyMs: 0 })]],
  ])('rejects a ladder that is %s', (_label, tiers) => {
    expect(() => assertValidLadder(tiers)).toThrow(/policy:/);
  });

  it('accepts the default ladder', () => {
    expect(() => assertValidLadder(DEFAULT_TEST_TIERS)).not.toThrow();
  });
});

describe('formatExactInstant', () => {
  it('prints minutes, and seconds or milliseconds only when present', () => {
    expect(formatExactInstant(new Date('2026-03-09T10:00:00Z'))).toBe('2026-03-09 10:00Z');
    expect(formatExactInstant(new Date('2026-03-09T10:00:30Z'))).toBe('2026-03-09 10:00:30Z');
    expect(formatExactInstant(new Date('2026-03-09T10:00:00.250Z'))).toBe('2026-03-09 10:00:00.250Z');
    expect(formatExactInstant(new Date(Number.NaN))).toBe('an invalid date');
  });
});
