import { describe, expect, it } from 'vitest';
import { failOnExceeded, resolveFailOn } from '../../src/policy/fail-on.js';
import { planSweep } from '../../src/policy/plan.js';
import { consumer, DEFAULT_TEST_TIERS, nudged, planOptions } from '../support/builders.js';
import { NOW } from '../support/clock.js';

const SNOOZE_END = new Date('2026-03-20T00:00:00Z');

describe('resolveFailOn', () => {
  it.each([
    ['outstanding', 0],
    ['gentle', 0],
    ['firm', 1],
    ['urgent', 2],
    ['critical', 3],
    ['never', 4],
  ])('%s → threshold %i', (value, threshold) => {
    expect(resolveFailOn(value, DEFAULT_TEST_TIERS)).toBe(threshold);
  });

  it('lists every valid value when given an unknown one', () => {
    expect(resolveFailOn('Critical', DEFAULT_TEST_TIERS)).toBe(
      '--fail-on: "Critical" is not one of outstanding, never, gentle, firm, urgent, critical (a tier name means that tier or a later one)',
    );
  });
});

describe('failOnExceeded', () => {
  const firmOnly = planSweep([consumer({ now: NOW, overdueDays: 4 })], planOptions(), NOW);
  const nothing = planSweep([consumer({ now: NOW, status: 'confirmed' })], planOptions(), NOW);

  it.each([
    ['outstanding', true],
    ['gentle', true],
    ['firm', true],
    ['urgent', false],
    ['critical', false],
    ['never', false],
  ])('with one firm laggard, --fail-on %s → %s', (failOn, expected) => {
    expect(failOnExceeded(firmOnly, failOn)).toBe(expected);
  });

  it('never fails when nothing is outstanding', () => {
    for (const failOn of ['outstanding', 'gentle', 'critical', 'never']) expect(failOnExceeded(nothing, failOn)).toBe(false);
  });

  it('counts snoozed and waiting consumers: they are still outstanding', () => {
    const plan = planSweep(
      [
        consumer({ now: NOW, overdueDays: 20, snoozedUntil: SNOOZE_END }),
        consumer({ now: NOW, overdueDays: 8, state: nudged({ now: NOW, hoursAgo: 1, tier: 'urgent' }) }),
      ],
      planOptions(),
      NOW,
    );
    expect(plan.teams).toEqual([]);
    expect(failOnExceeded(plan, 'critical')).toBe(true);
    expect(failOnExceeded(plan, 'outstanding')).toBe(true);
  });

  it('treats an unresolved value as a bug in the caller', () => {
    expect(() => failOnExceeded(firmOnly, 'loud')).toThrow(/unresolved fail-on/);
  });
});
