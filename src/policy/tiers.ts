import type { Tier } from '../config/types.js';
import { DAY_MS } from '../config/duration.js';

/**
 * The ladder the planner climbs. The config layer validates tiers for the user (with paths and
 * fixes); this check only guards the planner's own assumptions, so a failure here is a bug in
 * the caller, hence a plain Error rather than a ChaserError.
 */
export function assertValidLadder(tiers: readonly Tier[]): void {
  const first = tiers[0];
  if (first === undefined) throw new Error('policy: the tier ladder is empty');
  // Every overdue consumer must land in some tier, so the first one has to start at the deadline.
  if (first.afterDaysOverdue !== 0) {
    throw new Error(`policy: the first tier ("${first.name}") must start at afterDaysOverdue 0`);
  }
  const names = new Set<string>();
  tiers.forEach((tier, index) => {
    if (names.has(tier.name)) throw new Error(`policy: tier name "${tier.name}" appears twice`);
    names.add(tier.name);
    if (!(tier.everyMs > 0)) throw new Error(`policy: tier "${tier.name}" needs everyMs > 0`);
    const previous = tiers[index - 1];
    if (!Number.isFinite(tier.afterDaysOverdue) || (previous && tier.afterDaysOverdue < previous.afterDaysOverdue)) {
      throw new Error(`policy: tiers must be ordered by afterDaysOverdue ascending ("${tier.name}")`);
    }
  });
}

/** Where each tier starts, in milliseconds past the deadline (fractional days allowed). */
export function tierThresholdsMs(tiers: readonly Tier[]): number[] {
  return tiers.map((tier) => tier.afterDaysOverdue * DAY_MS);
}

/**
 * The index of the LAST tier whose threshold has been reached: the boundary is inclusive
 * (exactly 3 days overdue is already "firm") and measured in exact milliseconds, not whole days,
 * so fractional thresholds like 0.5 d work and a tier never starts early because of rounding.
 * Returns -1 before the first threshold (cannot happen for an overdue consumer on a valid ladder).
 */
export function tierIndexAt(thresholdsMs: readonly number[], overdueMs: number): number {
  for (let index = thresholdsMs.length - 1; index >= 0; index -= 1) {
    if ((thresholdsMs[index] as number) <= overdueMs) return index;
  }
  return -1;
}
