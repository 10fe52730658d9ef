import type { Tier } from '../config/types.js';
import type { Disposition, NudgeState } from './types.js';
import { HOUR_MS } from '../config/duration.js';
import { isValidDate } from './time.js';

export interface CadenceDecision {
  disposition: Disposition;
  /** For waiting and snoozed: the earliest instant the next nudge may go out (assuming the tier holds). */
  nextNudgeAt: Date | null;
}

/**
 * How much earlier than a full cadence a run may come and still count: 1/24 of the cadence, at
 * most an hour. A daily cron or CronJob never starts at exactly the same millisecond; without
 * this, a run a few seconds earlier than yesterday's would find 24h not yet passed and skip a
 * day of a "24h" tier. An hour in a day cannot double anyone's nudges.
 */
export function schedulerGraceMs(everyMs: number): number {
  return Math.min(HOUR_MS, Math.floor(everyMs / 24));
}

/**
 * Whether an outstanding consumer is nudged in this run. The cadence is that of the tier the
 * consumer is in NOW, not the tier of its last nudge: moving up the ladder is what is meant to
 * make chaser more insistent, so the new tier's pace applies at once.
 */
export function decideCadence(tier: Tier, state: NudgeState | null, snoozedUntil: Date | null, now: Date): CadenceDecision {
  const nowMs = now.getTime();
  // A state row with an unreadable timestamp must not silence a laggard forever: treat it as
  // never nudged, which at worst sends one nudge too many.
  const lastMs = state && isValidDate(state.lastNudgedAt) ? state.lastNudgedAt.getTime() : null;
  const cadenceEndsMs = lastMs === null ? null : lastMs + tier.everyMs - schedulerGraceMs(tier.everyMs);

  // Strictly after now: at the snooze's own instant the snooze is over (same convention as the deadline).
  if (isValidDate(snoozedUntil) && snoozedUntil.getTime() > nowMs) {
    const snoozeEndsMs = snoozedUntil.getTime();
    return { disposition: 'snoozed', nextNudgeAt: new Date(Math.max(snoozeEndsMs, cadenceEndsMs ?? snoozeEndsMs)) };
  }
  if (lastMs === null || cadenceEndsMs === null) return { disposition: 'due', nextNudgeAt: null };
  // Inclusive: a run one cadence (less the scheduler grace) after the last nudge nudges again.
  // A last nudge in the future (clock skew between hosts, or --now set in the past) gives a
  // negative elapsed time, which is never due: chaser does not trust it to have passed.
  const elapsedMs = nowMs - lastMs;
  if (elapsedMs >= 0 && nowMs >= cadenceEndsMs) return { disposition: 'due', nextNudgeAt: null };
  return { disposition: 'waiting', nextNudgeAt: new Date(cadenceEndsMs) };
}
