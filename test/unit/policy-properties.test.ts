/**
 * Simulates a rotation campaign: the same consumers planned at increasing instants, each run's
 * nudges written back as chaser would record them. The properties are the contract's promises
 * about time, checked against an independent reading of the rules rather than the planner's internals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tier } from '../../src/config/types.js';
import { schedulerGraceMs } from '../../src/policy/cadence.js';
import { planSweep } from '../../src/policy/plan.js';
import type { ConsumerRow, NudgeState } from '../../src/policy/types.js';
import { tier } from '../support/builders.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../support/clock.js';

const CAMPAIGN_START = Date.parse('2026-03-01T00:00:00Z');

interface SimConsumer {
  id: string;
  team: string;
  deadlineMs: number;
  status: string;
  /** At most one status change during the campaign (a team confirms, an exemption is revoked, …). */
  change: { atMs: number; to: string } | null;
  snoozedUntilMs: number | null;
}

/** Valid ladders: first tier at 0, starts ascending in tenths of days (not exact in binary), any cadence from 30 min to 4 days. */
const ladderArb: fc.Arbitrary<Tier[]> = fc.integer({ min: 1, max: 4 }).chain((count) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: count - 1, maxLength: count - 1 }),
      fc.array(fc.integer({ min: 30, max: 4 * 24 * 60 }), { minLength: count, maxLength: count }),
    )
    .map(([tenthsOfDays, everyMinutes]) => {
      let afterDaysOverdue = 0;
      return everyMinutes.map((minutes, index) => {
        if (index > 0) afterDaysOverdue += (tenthsOfDays[index - 1] ?? 1) / 10;
        return tier({ name: `t${index}`, afterDaysOverdue, everyMs: minutes * MINUTE_MS });
      });
    }),
);

const statusArb = fc.constantFrom('pending', 'pending', 'pending', 'confirmed', 'exempt', 'blocked');

const consumersArb: fc.Arbitrary<SimConsumer[]> = fc
  .array(
    fc.record({
      team: fc.constantFrom('alpha', 'beta', 'gamma'),
      deadlineOffsetMs: fc.integer({ min: -15 * DAY_MS, max: 8 * DAY_MS }),
      status: statusArb,
      change: fc.option(fc.record({ offsetMs: fc.integer({ min: 0, max: 15 * DAY_MS }), to: statusArb }), { nil: null }),
      snoozeOffsetMs: fc.option(fc.integer({ min: -5 * DAY_MS, max: 12 * DAY_MS }), { nil: null }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((specs) =>
    specs.map((spec, index) => ({
      id: `c-${index}`,
      team: spec.team,
      deadlineMs: CAMPAIGN_START + spec.deadlineOffsetMs,
      status: spec.status,
      change: spec.change && { atMs: CAMPAIGN_START + spec.change.offsetMs, to: spec.change.to },
      snoozedUntilMs: spec.snoozeOffsetMs === null ? null : CAMPAIGN_START + spec.snoozeOffsetMs,
    })),
  );

/** A ladder, consumers, and run instants no further apart than the ladder's shortest cadence. */
const campaignArb = ladderArb.chain((tiers) => {
  const minEveryMs = Math.min(...tiers.map((t) => t.everyMs));
  return fc.record({
    tiers: fc.constant(tiers),
    consumers: consumersArb,
    gapsMs: fc.array(fc.integer({ min: 1, max: minEveryMs }), { minLength: 1, maxLength: 80 }),
    minEveryMs: fc.constant(minEveryMs),
  });
});

// The rules as the contract states them, written independently of src/policy.
const statusAt = (c: SimConsumer, t: number) => (c.change && c.change.atMs <= t ? c.change.to : c.status);
const isPendingAt = (c: SimConsumer, t: number) => statusAt(c, t) === 'pending';
const isSnoozedAt = (c: SimConsumer, t: number) => c.snoozedUntilMs !== null && c.snoozedUntilMs > t;
const isOverdueAt = (c: SimConsumer, t: number) => c.deadlineMs < t;
const tierAt = (tiers: Tier[], c: SimConsumer, t: number): Tier =>
  tiers.filter((candidate) => candidate.afterDaysOverdue * DAY_MS <= t - c.deadlineMs).at(-1) as Tier;

/** The instant from which a consumer, pending at `t`, has continuously been nudgeable. */
function eligibleSince(c: SimConsumer, t: number): number {
  const pendingSince = c.change && c.change.atMs <= t && c.status !== 'pending' ? c.change.atMs : -Infinity;
  return Math.max(c.deadlineMs + 1, c.snoozedUntilMs ?? -Infinity, pendingSince);
}

interface Nudge {
  atMs: number;
  tier: string;
}

function simulate(campaign: { tiers: Tier[]; consumers: SimConsumer[]; gapsMs: number[]; minEveryMs: number }): void {
  const { tiers, consumers, gapsMs, minEveryMs } = campaign;
  const states = new Map<string, NudgeState>();
  const history = new Map<string, Nudge[]>(consumers.map((c) => [c.id, []]));
  let now = CAMPAIGN_START;

  for (const gap of gapsMs) {
    now += gap;
    const rows: ConsumerRow[] = consumers.map((c) => ({
      id: c.id,
      name: c.id,
      team: c.team,
      keyId: 'key-1',
      status: statusAt(c, now),
      deadline: new Date(c.deadlineMs),
      snoozedUntil: c.snoozedUntilMs === null ? null : new Date(c.snoozedUntilMs),
      state: states.get(c.id) ?? null,
    }));
    const plan = planSweep(rows, { tiers, teams: {}, fallbackChannel: '#rotation', pendingStatuses: ['pending'] }, new Date(now));

    const nudgedNow = new Map<string, string>();
    for (const team of plan.teams) {
      const nudgedTiers = team.nudges.tiers();
      team.nudges.ids().forEach((id, index) => {
        expect(nudgedNow.has(id), `${id} nudged twice in one run`).toBe(false);
        nudgedNow.set(id, nudgedTiers[index] as string);
      });
    }
    expect(plan.outstanding).toBe(consumers.filter((c) => isPendingAt(c, now) && isOverdueAt(c, now)).length);

    for (const c of consumers) {
      const nudgedTier = nudgedNow.get(c.id);
      const past = history.get(c.id) as Nudge[];
      if (nudgedTier !== undefined) {
        const currentTier = tierAt(tiers, c, now);
        // (3) only pending, overdue, unsnoozed consumers are ever nudged, in the tier they are in.
        expect(isPendingAt(c, now) && isOverdueAt(c, now) && !isSnoozedAt(c, now), `${c.id} nudged while not nudgeable`).toBe(true);
        expect(nudgedTier).toBe(currentTier.name);
        const previous = past.at(-1);
        // (1) never two nudges closer than the cadence of the tier at the second one, less the
        // scheduler grace (1/24 of it, at most an hour: a daily cron must not skip a day).
        if (previous) expect(now - previous.atMs).toBeGreaterThanOrEqual(currentTier.everyMs - schedulerGraceMs(currentTier.everyMs));
        // (2) the first nudge comes within one cadence of the consumer becoming nudgeable (or of
        // the campaign's start, for one that was nudgeable before chaser was first run).
        if (!previous) expect(now - Math.max(eligibleSince(c, now), CAMPAIGN_START)).toBeLessThanOrEqual(minEveryMs);
        past.push({ atMs: now, tier: nudgedTier });
        const state = states.get(c.id);
        states.set(c.id, { nudgeCount: (state?.nudgeCount ?? 0) + 1, lastNudgedAt: new Date(now), lastTier: nudgedTier });
      }
      // (2) after every run, no nudgeable consumer has gone a whole cadence of its tier without a nudge.
      if (isPendingAt(c, now) && isOverdueAt(c, now) && !isSnoozedAt(c, now)) {
        const last = states.get(c.id)?.lastNudgedAt.getTime();
        expect(last, `${c.id} nudgeable but never nudged`).toBeDefined();
        expect(now - (last as number)).toBeLessThan(tierAt(tiers, c, now).everyMs);
      }
    }
  }
}

describe('policy over a simulated campaign', () => {
  it('respects cadence, nudges everyone nudgeable within one cadence, and nobody else', () => {
    fc.assert(
      fc.property(campaignArb, (campaign) => simulate(campaign)),
      { numRuns: 300 },
    );
  });

  it('still holds with runs that land exactly on deadlines, snooze ends and cadences', () => {
    // Hourly-aligned instants make equality with the boundaries common instead of improbable.
    const alignedArb = campaignArb.map((campaign) => {
      const tiers = campaign.tiers.map((t) => tier({ ...t, every: undefined, everyMs: Math.max(HOUR_MS, roundToHour(t.everyMs)) }));
      const minEveryMs = Math.min(...tiers.map((t) => t.everyMs));
      return {
        tiers,
        minEveryMs,
        consumers: campaign.consumers.map((c) => ({
          ...c,
          deadlineMs: roundToHour(c.deadlineMs),
          snoozedUntilMs: c.snoozedUntilMs === null ? null : roundToHour(c.snoozedUntilMs),
        })),
        gapsMs: campaign.gapsMs.map((gap) => Math.min(minEveryMs, Math.max(HOUR_MS, roundToHour(gap)))),
      };
    });
    fc.assert(
      fc.property(alignedArb, (campaign) => simulate(campaign)),
      { numRuns: 200 },
    );
  });
});

function roundToHour(ms: number): number {
  return Math.round(ms / HOUR_MS) * HOUR_MS;
}
