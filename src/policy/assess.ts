import type { Tier } from '../config/types.js';
import { CALENDAR_CLOCK, type OverdueClock } from '../calendar/team-calendars.js';
import { decideCadence } from './cadence.js';
import { assertValidLadder, tierIndexAt, tierThresholdsMs } from './tiers.js';
import { DAY_MS } from '../config/duration.js';
import { isValidDate } from './time.js';
import { answersFor } from './answers/effects.js';
import type { ConsumerRow, Laggard, PlanAnswers, PlanOptions, Skipped } from './types.js';

/** What one row means for this run, before any team or run-wide bookkeeping. */
export type Assessment =
  | { kind: 'not-outstanding' }
  | { kind: 'skipped'; reason: Exclude<Skipped['reason'], 'duplicate-id'> }
  | { kind: 'outstanding'; laggard: Laggard; tierIndex: number; evidence?: RowEvidence };

/** What the row's lastSeenOnOldKey says, when one is mapped and set. */
export interface RowEvidence {
  /** Seen on the revoked key after its deadline (the digest counts these). */
  seenAfterDeadline: boolean;
  /** The value is not an instant chaser can read: treated as unknown, and reported. */
  unreadable: boolean;
}

/** The options turned into lookup structures once per run instead of once per row. */
export interface PolicyContext {
  tiers: readonly Tier[];
  thresholdsMs: readonly number[];
  pendingStatuses: ReadonlySet<string>;
  /** The ladder's clock for a team (calendar time, or the team's business time). */
  clockFor: (team: string) => OverdueClock;
  /**
   * When a team's message posted in a run at `now` would reach its channel: `now`, or the next
   * opening for a team whose outsideHours is "schedule". The cadence is measured between
   * deliveries, so a once-a-day job that schedules for 09:00 is not held back by yesterday's
   * 09:00 message being only 15 hours before tonight's run.
   */
  deliveryAt: (team: string, now: Date) => Date;
  answers?: PlanAnswers | undefined;
}

/** A dispute holds a consumer back from its team's thread until the owner changes: "snoozed" with no end. */
const HELD_FOREVER = new Date(8.64e15);

export function createPolicyContext(options: Pick<PlanOptions, 'tiers' | 'pendingStatuses' | 'calendars' | 'answers'>): PolicyContext {
  assertValidLadder(options.tiers);
  const calendars = options.calendars;
  return {
    tiers: options.tiers,
    thresholdsMs: tierThresholdsMs(options.tiers),
    pendingStatuses: new Set(options.pendingStatuses),
    clockFor: calendars ? (team) => calendars.clockFor(team) : () => CALENDAR_CLOCK,
    deliveryAt: calendars ? memoisedDeliveryAt(calendars) : (_team, now) => now,
    ...(options.answers ? { answers: options.answers } : {}),
  };
}

/** One sending decision per team and instant, not one per row. */
function memoisedDeliveryAt(calendars: NonNullable<PlanOptions['calendars']>): (team: string, now: Date) => Date {
  let at = Number.NaN;
  const byTeam = new Map<string, Date>();
  return (team, now) => {
    if (now.getTime() !== at) {
      at = now.getTime();
      byTeam.clear();
    }
    let delivery = byTeam.get(team);
    if (delivery === undefined) {
      const sending = calendars.sendingFor(team, now);
      delivery = sending.mode === 'schedule' ? sending.postAt : now;
      byTeam.set(team, delivery);
    }
    return delivery;
  };
}

/**
 * Decides one row. The checks run in this order on purpose:
 * 1. a status that is not pending is simply not outstanding, whatever else is wrong with the row:
 *    chaser stops caring about a consumer the moment it moved, so a confirmed row with no team
 *    is not worth a warning;
 * 2. no usable deadline: skipped, since it cannot be bucketed (checked before "not yet due",
 *    which it cannot answer);
 * 3. deadline not yet strictly passed: not outstanding (at the deadline instant it is still on time);
 * 4. no team: skipped, since it cannot be routed; only reported once it is actually overdue, so a
 *    future consumer with a gap in the inventory does not warn on every run before its time;
 * 5. a snoozed_until that is not an instant: skipped (reported), neither nudged nor taken as unset.
 */
export function assessRow(row: ConsumerRow, context: PolicyContext, now: Date): Assessment {
  if (!context.pendingStatuses.has(row.status)) return { kind: 'not-outstanding' };
  const { deadline, team } = row;
  if (!isValidDate(deadline)) return { kind: 'skipped', reason: 'missing-deadline' };
  const overdueMs = now.getTime() - deadline.getTime();
  if (overdueMs <= 0) return { kind: 'not-outstanding' };
  // A blank team is as unroutable as a NULL one: no config key can sensibly be "   ".
  if (team === null || team.trim() === '') return { kind: 'skipped', reason: 'missing-team' };
  // A snooze that is not an instant: the team may have asked for quiet, so no nudge on a guess.
  if (row.snoozedUntil !== null && !isValidDate(row.snoozedUntil)) return { kind: 'skipped', reason: 'invalid-snooze' };

  const events = context.answers?.byConsumer.get(row.id);
  // Evidence from the inventory (source.columns.lastSeenOnOldKey): an unreadable value is no evidence.
  const seen = row.lastSeenOnOldKey ?? null;
  const lastSeen = isValidDate(seen) ? seen : null;
  const answers =
    context.answers && (events || lastSeen)
      ? answersFor(events ?? [], { team, lastSeenOnOldKey: lastSeen }, context.answers.settings, now)
      : undefined;
  // "Is it overdue at all" is calendar time (the deadline has passed); how overdue, on the ladder's clock.
  const clock = context.clockFor(team);
  const ladderMs = clock === CALENDAR_CLOCK ? overdueMs : clock.elapsedMs(deadline, now);
  // On the business clock a consumer overdue since the weekend has 0 working time: still the first tier.
  // An unverified or contradicted claim: chasing resumes one tier higher than the ladder alone gives.
  const tierIndex = Math.min(Math.max(0, tierIndexAt(context.thresholdsMs, ladderMs)) + (answers?.tierBump ?? 0), context.tiers.length - 1);
  const tier = context.tiers[tierIndex];
  if (tier === undefined) throw new Error(`policy: no tier for ${overdueMs} ms overdue; is the first tier at 0 days?`);
  // chaser's own holds (a claim within claimGrace, a snooze, a dispute) beside the inventory's snoozed_until, which stays the user's.
  const hold = answers?.held ? HELD_FOREVER : (answers?.holdUntil ?? null);
  const snoozedUntil = hold && (!isValidDate(row.snoozedUntil) || hold > row.snoozedUntil) ? hold : row.snoozedUntil;
  const cadence = decideCadence(tier, row.state, snoozedUntil, context.deliveryAt(team, now), clock);
  // Evidence beats claims: a claim the old key's use contradicts is chased at once, not a cadence
  // later; once nudged after the claim, the (higher) tier's cadence applies again.
  const claim = answers?.claim;
  const { disposition, nextNudgeAt } =
    cadence.disposition === 'waiting' && claim?.state === 'contradicted' && !nudgedSince(row.state, claim.at)
      ? { disposition: 'due' as const, nextNudgeAt: null }
      : cadence;
  const laggard: Laggard = {
    // A fresh object without `state`: the laggard carries state once, beside the consumer.
    consumer: {
      id: row.id,
      name: row.name,
      team,
      keyId: row.keyId,
      status: row.status,
      deadline,
      snoozedUntil: row.snoozedUntil,
    },
    daysOverdue: Math.floor(ladderMs / DAY_MS),
    tier,
    state: row.state,
    disposition,
    nextNudgeAt,
    ...(answers ? { answers } : {}),
  };
  if (seen === null) return { kind: 'outstanding', laggard, tierIndex };
  return {
    kind: 'outstanding',
    laggard,
    tierIndex,
    evidence: { seenAfterDeadline: lastSeen !== null && lastSeen > deadline, unreadable: lastSeen === null },
  };
}

/** Nudged at or after `at` (an unreadable last nudge counts as never, as decideCadence reads it). */
function nudgedSince(state: ConsumerRow['state'], at: Date): boolean {
  return state !== null && isValidDate(state.lastNudgedAt) && state.lastNudgedAt.getTime() >= at.getTime();
}
