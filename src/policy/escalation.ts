/**
 * Escalation past a silent team, decided from facts alone: when chaser nudged the team, when a
 * person answered, when the inventory moved. Pure: every instant is passed in, nothing is read.
 */

import type { EscalationTarget } from '../config/types.js';

export interface EscalationRule {
  /** K: escalate after this many ignored nudges in a row, and again after every further K. */
  afterIgnored: number;
  /** How long a nudge may go unanswered before it counts as ignored (default: the tier's cadence). */
  ignoredAfterMs: number;
  /** First step, then one step up per further K ignored nudges; the last step repeats. Never empty. */
  chain: readonly EscalationTarget[];
}

export interface TeamActivity {
  /** Every message chaser sent the team about its outstanding consumers (parents, replies). */
  nudgedAt: readonly Date[];
  /**
   * Everything that shows the team is not ignoring chaser: a person's reaction or reply in the
   * thread, a status change in the inventory, a snooze. Bots and chaser itself never appear here.
   */
  respondedAt: readonly Date[];
  /** The last escalation about this team, if any. */
  lastEscalation: { at: Date; step: number } | null;
}

export interface Silence {
  /** Nudges in a row, since the last response, that went unanswered for the whole ignoredAfter. */
  ignored: number;
  /** The first of them (null when none). */
  since: Date | null;
}

export type EscalationDecision =
  | { escalate: false; silence: Silence; reason: 'answered' | 'not-yet' | 'already-escalated' }
  | { escalate: true; silence: Silence; step: number; target: EscalationTarget };

/**
 * Counts the nudges that nobody answered. A nudge is ignored once `ignoredAfterMs` has passed
 * with no response after it; any response ends the streak, so only nudges after the latest
 * response count (an answer in the thread resets the count to zero).
 */
export function countIgnored(activity: Pick<TeamActivity, 'nudgedAt' | 'respondedAt'>, ignoredAfterMs: number, now: Date): Silence {
  const lastResponseMs = latestMs(activity.respondedAt);
  const cutoffMs = now.getTime() - ignoredAfterMs;
  let ignored = 0;
  let sinceMs = Number.POSITIVE_INFINITY;
  for (const nudge of activity.nudgedAt) {
    const atMs = nudge.getTime();
    if (Number.isNaN(atMs) || atMs <= lastResponseMs || atMs > cutoffMs) continue;
    ignored += 1;
    sinceMs = Math.min(sinceMs, atMs);
  }
  return { ignored, since: ignored === 0 ? null : new Date(sinceMs) };
}

/**
 * Whether to escalate this run, and to whom. Step n is reached at n × K ignored nudges; each step
 * is escalated once (its own cadence: a new escalation needs K more ignored nudges, which the
 * tier's cadence paces), so re-running never re-escalates. A response after the last escalation
 * starts a new silence from step 1.
 */
export function decideEscalation(rule: EscalationRule, activity: TeamActivity, now: Date): EscalationDecision {
  const silence = countIgnored(activity, rule.ignoredAfterMs, now);
  if (silence.ignored === 0) {
    return { escalate: false, silence, reason: activity.respondedAt.length > 0 ? 'answered' : 'not-yet' };
  }
  const step = Math.floor(silence.ignored / Math.max(1, rule.afterIgnored));
  if (step === 0) return { escalate: false, silence, reason: 'not-yet' };
  const last = activity.lastEscalation;
  const sameSilence = last !== null && last.at.getTime() > latestMs(activity.respondedAt);
  if (sameSilence && last.step >= step) return { escalate: false, silence, reason: 'already-escalated' };
  return { escalate: true, silence, step, target: targetForStep(rule.chain, step) };
}

/**
 * The activity with one more answer, at `at`: a change in the inventory (a status, a snooze) this
 * run is the first to see. Only the latest answer matters, so it replaces older ones it follows.
 */
export function withResponse<T extends TeamActivity>(activity: T, at: Date): T {
  if (latestMs(activity.respondedAt) >= at.getTime()) return activity;
  return { ...activity, respondedAt: [at] };
}

/** Step 1 is the chain's first target; steps past its end stay at the top. */
export function targetForStep(chain: readonly EscalationTarget[], step: number): EscalationTarget {
  const index = Math.min(Math.max(step, 1), chain.length) - 1;
  return chain[index] ?? { kind: 'lead' };
}

function latestMs(instants: readonly Date[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const instant of instants) {
    const ms = instant.getTime();
    if (!Number.isNaN(ms) && ms > latest) latest = ms;
  }
  return latest;
}
