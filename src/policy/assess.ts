import type { Tier } from '../config/types.js';
import { decideCadence } from './cadence.js';
import { assertValidLadder, tierIndexAt, tierThresholdsMs } from './tiers.js';
import { daysOverdue, isValidDate } from './time.js';
import { answersFor } from './answers/effects.js';
import type { ConsumerRow, Laggard, PlanAnswers, PlanOptions, Skipped } from './types.js';

/** What one row means for this run, before any team or run-wide bookkeeping. */
export type Assessment =
  | { kind: 'not-outstanding' }
  | { kind: 'skipped'; reason: Exclude<Skipped['reason'], 'duplicate-id'> }
  | { kind: 'outstanding'; laggard: Laggard; tierIndex: number };

/** The options turned into lookup structures once per run instead of once per row. */
export interface PolicyContext {
  tiers: readonly Tier[];
  thresholdsMs: readonly number[];
  pendingStatuses: ReadonlySet<string>;
  answers?: PlanAnswers | undefined;
}

/** A dispute holds a consumer back from its team's thread until the owner changes: "snoozed" with no end. */
const HELD_FOREVER = new Date(8.64e15);

export function createPolicyContext(options: Pick<PlanOptions, 'tiers' | 'pendingStatuses' | 'answers'>): PolicyContext {
  assertValidLadder(options.tiers);
  return {
    tiers: options.tiers,
    thresholdsMs: tierThresholdsMs(options.tiers),
    pendingStatuses: new Set(options.pendingStatuses),
    ...(options.answers ? { answers: options.answers } : {}),
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
 *    future consumer with a gap in the inventory does not warn on every run before its time.
 */
export function assessRow(row: ConsumerRow, context: PolicyContext, now: Date): Assessment {
  if (!context.pendingStatuses.has(row.status)) return { kind: 'not-outstanding' };
  const { deadline, team } = row;
  if (!isValidDate(deadline)) return { kind: 'skipped', reason: 'missing-deadline' };
  const overdueMs = now.getTime() - deadline.getTime();
  if (overdueMs <= 0) return { kind: 'not-outstanding' };
  // A blank team is as unroutable as a NULL one: no config key can sensibly be "   ".
  if (team === null || team.trim() === '') return { kind: 'skipped', reason: 'missing-team' };

  const events = context.answers?.byConsumer.get(row.id);
  const answers =
    events && context.answers ? answersFor(events, { team, lastSeenOnOldKey: null }, context.answers.settings, now) : undefined;
  // An unverified or contradicted claim: chasing resumes one tier higher than the days alone give.
  const tierIndex = Math.min(tierIndexAt(context.thresholdsMs, overdueMs) + (answers?.tierBump ?? 0), context.tiers.length - 1);
  const tier = context.tiers[tierIndex];
  if (tier === undefined) throw new Error(`policy: no tier for ${overdueMs} ms overdue; is the first tier at 0 days?`);
  // chaser's own holds (a claim within claimGrace, a snooze, a dispute) beside the inventory's snoozed_until, which stays the user's.
  const hold = answers?.held ? HELD_FOREVER : answers?.holdUntil ?? null;
  const snoozedUntil = hold && (!isValidDate(row.snoozedUntil) || hold > row.snoozedUntil) ? hold : row.snoozedUntil;
  const { disposition, nextNudgeAt } = decideCadence(tier, row.state, snoozedUntil, now);
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
    daysOverdue: daysOverdue(deadline, now),
    tier,
    state: row.state,
    disposition,
    nextNudgeAt,
    ...(answers ? { answers } : {}),
  };
  return { kind: 'outstanding', laggard, tierIndex };
}
