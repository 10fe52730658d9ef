import { describe, expect, it } from 'vitest';
import { assessRow, createPolicyContext } from '../../src/policy/assess.js';
import { decideDigestDue, schedulerGraceMs } from '../../src/policy/cadence.js';
import { FOREVER_MS } from '../../src/policy/time.js';
import type { ConsumerRow, Disposition } from '../../src/policy/types.js';
import { consumer, DEFAULT_TEST_TIERS, nudged, tier, type ConsumerSpec } from '../support/builders.js';
import { DAY_MS, HOUR_MS, NOW } from '../support/clock.js';

const ms = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

function decide(spec: ConsumerSpec, tiers = DEFAULT_TEST_TIERS): { disposition: Disposition; nextNudgeAt: Date | null; tier: string } {
  const row: ConsumerRow = consumer({ now: NOW, ...spec });
  const result = assessRow(row, createPolicyContext({ tiers, pendingStatuses: ['pending'] }), NOW);
  if (result.kind !== 'outstanding') throw new Error(`expected outstanding, got ${result.kind}`);
  const { disposition, nextNudgeAt, tier: current } = result.laggard;
  return { disposition, nextNudgeAt, tier: current.name };
}

describe('cadence', () => {
  it('nudges a consumer that was never nudged', () => {
    expect(decide({ overdueDays: 1, state: null })).toEqual({ disposition: 'due', nextNudgeAt: null, tier: 'gentle' });
  });

  it('nudges again exactly one cadence after the last nudge (inclusive)', () => {
    const state = nudged({ now: NOW, msAgo: 24 * HOUR_MS, tier: 'firm' });
    expect(decide({ overdueDays: 4, state })).toMatchObject({ disposition: 'due', tier: 'firm' });
  });

  it('forgives a scheduler starting a little early: 1/24 of the cadence, at most an hour', () => {
    expect([schedulerGraceMs(24 * HOUR_MS), schedulerGraceMs(12 * HOUR_MS), schedulerGraceMs(96 * HOUR_MS)]).toEqual([
      HOUR_MS,
      HOUR_MS / 2,
      HOUR_MS,
    ]);
    // A daily cron that starts 4 s earlier than yesterday still nudges a 24h tier …
    expect(decide({ overdueDays: 4, state: nudged({ now: NOW, msAgo: 24 * HOUR_MS - 4_000, tier: 'firm' }) }).disposition).toBe('due');
    // … as does a run exactly one cadence less the grace after the last nudge (inclusive).
    expect(decide({ overdueDays: 4, state: nudged({ now: NOW, msAgo: 23 * HOUR_MS, tier: 'firm' }) }).disposition).toBe('due');
  });

  it('waits 1 ms before the cadence (less the grace) has passed, and says until when', () => {
    const state = nudged({ now: NOW, msAgo: 23 * HOUR_MS - 1, tier: 'firm' });
    expect(decide({ overdueDays: 4, state })).toEqual({ disposition: 'waiting', nextNudgeAt: ms(1), tier: 'firm' });
  });

  it('uses each tier’s own cadence: gentle 72 h, critical 12 h', () => {
    expect(decide({ overdueDays: 1, state: nudged({ now: NOW, msAgo: 71 * HOUR_MS - 1, tier: 'gentle' }) }).disposition).toBe('waiting');
    expect(decide({ overdueDays: 1, state: nudged({ now: NOW, hoursAgo: 71, tier: 'gentle' }) }).disposition).toBe('due');
    expect(decide({ overdueDays: 20, state: nudged({ now: NOW, msAgo: 11.5 * HOUR_MS - 1, tier: 'critical' }) })).toMatchObject({
      disposition: 'waiting',
      nextNudgeAt: ms(1),
    });
    expect(decide({ overdueDays: 20, state: nudged({ now: NOW, msAgo: 11.5 * HOUR_MS, tier: 'critical' }) }).disposition).toBe('due');
  });

  it('applies the current tier’s cadence when the consumer moved up since its last nudge', () => {
    // Last nudged 30 h ago while gentle (72 h); now urgent (24 h): due, not waiting 42 h more.
    const state = nudged({ now: NOW, hoursAgo: 30, tier: 'gentle' });
    expect(decide({ overdueDays: 8, state })).toMatchObject({ disposition: 'due', tier: 'urgent' });
  });

  it('applies the current tier’s cadence even when it is slower than the previous one', () => {
    const slowing = [tier({ name: 'fast', every: '24h' }), tier({ name: 'slow', afterDaysOverdue: 2, every: '96h' })];
    const state = nudged({ now: NOW, hoursAgo: 30, tier: 'fast' });
    expect(decide({ overdueDays: 3, state }, slowing)).toEqual({
      disposition: 'waiting',
      nextNudgeAt: ms(65 * HOUR_MS), // 96 h less the hour of grace, 30 h already gone
      tier: 'slow',
    });
  });

  it('never nudges when the last nudge is in the future (clock skew, --now in the past)', () => {
    expect(decide({ overdueDays: 4, state: nudged({ now: NOW, hoursAgo: -1, tier: 'firm' }) })).toEqual({
      disposition: 'waiting',
      nextNudgeAt: ms(24 * HOUR_MS),
      tier: 'firm',
    });
    expect(decide({ overdueDays: 20, state: nudged({ now: NOW, hoursAgo: -100 * 24 }) }).disposition).toBe('waiting');
  });

  it('treats an unreadable last-nudge timestamp as never nudged rather than silencing the consumer', () => {
    const state = { nudgeCount: 3, lastNudgedAt: new Date(Number.NaN), lastTier: 'firm' };
    expect(decide({ overdueDays: 4, state }).disposition).toBe('due');
  });
});

describe('snooze', () => {
  it('is over at its own instant: snoozedUntil == now is not snoozed', () => {
    expect(decide({ overdueDays: 4, snoozedUntil: NOW }).disposition).toBe('due');
  });

  it('holds 1 ms before its end, with the next nudge at the snooze end', () => {
    expect(decide({ overdueDays: 4, snoozedUntil: ms(1) })).toEqual({ disposition: 'snoozed', nextNudgeAt: ms(1), tier: 'firm' });
  });

  it('reports the later of the snooze end and the cadence as the next nudge', () => {
    const recently = nudged({ now: NOW, hoursAgo: 1, tier: 'firm' });
    expect(decide({ overdueDays: 4, state: recently, snoozedUntil: ms(HOUR_MS) }).nextNudgeAt).toEqual(ms(22 * HOUR_MS));
    const longAgo = nudged({ now: NOW, hoursAgo: 48, tier: 'firm' });
    expect(decide({ overdueDays: 4, state: longAgo, snoozedUntil: ms(HOUR_MS) }).nextNudgeAt).toEqual(ms(HOUR_MS));
  });

  it('behaves as if not snoozed once the snooze has ended', () => {
    const snoozedUntil = ms(-HOUR_MS);
    expect(decide({ overdueDays: 4, snoozedUntil, state: nudged({ now: NOW, hoursAgo: 2, tier: 'firm' }) })).toMatchObject({
      disposition: 'waiting',
      nextNudgeAt: ms(21 * HOUR_MS),
    });
    expect(decide({ overdueDays: 4, snoozedUntil, state: nudged({ now: NOW, hoursAgo: 25, tier: 'firm' }) }).disposition).toBe('due');
  });

  it('skips a row whose snooze is unreadable: neither nudged on a guess nor taken as "not set"', () => {
    const row = consumer({ now: NOW, overdueDays: 4, snoozedUntil: new Date(Number.NaN) });
    expect(assessRow(row, createPolicyContext({ tiers: DEFAULT_TEST_TIERS, pendingStatuses: ['pending'] }), NOW)).toEqual({
      kind: 'skipped',
      reason: 'invalid-snooze',
    });
  });

  it("snoozes for good until Postgres' infinity (FOREVER), and explains it so", () => {
    const result = decide({ overdueDays: 40, snoozedUntil: new Date(FOREVER_MS) });
    expect(result).toMatchObject({ disposition: 'snoozed', tier: 'critical' });
    expect(result.nextNudgeAt?.getTime()).toBe(FOREVER_MS);
  });

  it('keeps a snoozed consumer in its tier (it is still outstanding)', () => {
    expect(decide({ overdueMs: 14 * DAY_MS, snoozedUntil: ms(DAY_MS) })).toMatchObject({ disposition: 'snoozed', tier: 'critical' });
  });
});

describe('decideDigestDue', () => {
  const last = new Date('2026-03-10T09:00:00Z');
  const at = (ms: number) => new Date(last.getTime() + ms);
  it('no digest yet: due', () => {
    expect(decideDigestDue(null, DAY_MS, last)).toEqual({ due: true });
  });
  it('within the period: not due, with when it will be (the scheduler grace, an hour a day, taken off)', () => {
    expect(decideDigestDue(last, DAY_MS, at(10 * 60_000))).toEqual({ due: false, nextAt: at(DAY_MS - 60 * 60_000) });
    expect(decideDigestDue(last, DAY_MS, at(DAY_MS - 60 * 60_000 - 1)).due).toBe(false);
  });
  it('a period later, or a little earlier within the grace: due', () => {
    expect(decideDigestDue(last, DAY_MS, at(DAY_MS - 60 * 60_000))).toEqual({ due: true });
    expect(decideDigestDue(last, DAY_MS, at(DAY_MS))).toEqual({ due: true });
  });
  it('a last digest dated after now (--now in the past): not trusted to have passed', () => {
    expect(decideDigestDue(last, DAY_MS, at(-2 * DAY_MS)).due).toBe(false);
  });
});
