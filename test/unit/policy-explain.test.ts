import { describe, expect, it } from 'vitest';
import { assessRow, createPolicyContext } from '../../src/policy/assess.js';
import { explainDisposition, explainSkipped } from '../../src/policy/explain.js';
import type { Laggard } from '../../src/policy/types.js';
import { consumer, DEFAULT_TEST_TIERS, nudged, type ConsumerSpec } from '../support/builders.js';
import { NOW } from '../support/clock.js';

function laggard(spec: ConsumerSpec): Laggard {
  const result = assessRow(
    consumer({ now: NOW, ...spec }),
    createPolicyContext({ tiers: DEFAULT_TEST_TIERS, pendingStatuses: ['pending'] }),
    NOW,
  );
  if (result.kind !== 'outstanding') throw new Error('expected outstanding');
  return result.laggard;
}

describe('explainDisposition', () => {
  it('explains a first nudge', () => {
    expect(explainDisposition(laggard({ overdueDays: 8 }), NOW)).toBe('due: never nudged; 8 days overdue, tier urgent');
    expect(explainDisposition(laggard({ overdueDays: 1 }), NOW)).toBe('due: never nudged; 1 day overdue, tier gentle');
  });

  it('explains a repeat nudge with the cadence that allowed it', () => {
    const state = nudged({ at: new Date('2026-03-09T09:00:00Z'), tier: 'firm' });
    expect(explainDisposition(laggard({ overdueDays: 4, state }), NOW)).toBe(
      'due: last nudged 2026-03-09 09:00Z in firm, a cadence ago (firm: every 24h); 4 days overdue, tier firm',
    );
  });

  it('explains why a recently nudged consumer waits, and until when', () => {
    const state = nudged({ at: new Date('2026-03-09T10:30:00Z'), tier: 'firm' });
    expect(explainDisposition(laggard({ overdueDays: 4, state }), NOW)).toBe(
      'waiting: last nudged 2026-03-09 10:30Z in firm, next due at 2026-03-10 09:30Z (firm: every 24h)', // 24 h less the hour of scheduler grace
    );
  });

  it('names the current tier’s cadence when the tier changed since the last nudge', () => {
    const state = nudged({ at: new Date('2026-03-10T01:00:00Z'), tier: 'urgent' });
    expect(explainDisposition(laggard({ overdueDays: 15, state }), NOW)).toBe(
      'waiting: last nudged 2026-03-10 01:00Z in urgent, next due at 2026-03-10 12:30Z (critical: every 12h)',
    );
  });

  it('explains an unreadable last nudge the way it was decided: as never nudged', () => {
    const state = { nudgeCount: 2, lastNudgedAt: new Date(Number.NaN), lastTier: 'firm' };
    expect(explainDisposition(laggard({ overdueDays: 4, state }), NOW)).toBe('due: never nudged; 4 days overdue, tier firm');
  });

  it('flags a last nudge later than now', () => {
    const state = nudged({ at: new Date('2026-03-10T10:00:00Z'), tier: null });
    expect(explainDisposition(laggard({ overdueDays: 4, state }), NOW)).toBe(
      "waiting: last nudged 2026-03-10 10:00Z (after this run's now: clock skew, or --now in the past?), next due at 2026-03-11 09:00Z (firm: every 24h)",
    );
  });

  it('explains a snooze, and a cadence that outlasts it', () => {
    const snoozedUntil = new Date('2026-03-10T12:00:00Z');
    expect(explainDisposition(laggard({ overdueDays: 4, snoozedUntil }), NOW)).toBe('snoozed until 2026-03-10 12:00Z; never nudged');
    const state = nudged({ at: new Date('2026-03-10T08:00:00Z'), tier: 'firm' });
    expect(explainDisposition(laggard({ overdueDays: 4, snoozedUntil, state }), NOW)).toBe(
      'snoozed until 2026-03-10 12:00Z, then the cadence allows the next nudge at 2026-03-11 07:00Z (firm: every 24h); last nudged 2026-03-10 08:00Z in firm',
    );
  });
});

describe('explainSkipped', () => {
  it('names the column to fix, in the mapped names when given', () => {
    expect(explainSkipped({ id: 'c-1', team: null, reason: 'missing-team' })).toBe(
      'consumer "c-1" skipped: it has no team, so no one can be nudged; set its owner_team',
    );
    expect(explainSkipped({ id: 'c-2', team: 'ops', reason: 'missing-deadline' }, { id: 'key', team: 'squad', deadline: 'due_at' })).toBe(
      'consumer "c-2" skipped: it has no valid rotation deadline, so it cannot be placed in a tier; set its due_at',
    );
    expect(explainSkipped({ id: 'c-3', team: 'ops', reason: 'duplicate-id' })).toMatch(/same id.*make ids unique/);
    expect(explainSkipped({ id: '', team: 'ops', reason: 'missing-id' }, { id: 'service_no', team: 'squad', deadline: 'due_at' })).toBe(
      'a consumer row of team "ops" skipped: its service_no is NULL, so it can be neither chased nor recorded; give it an id',
    );
  });
});
