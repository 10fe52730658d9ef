import type { Tier } from '../config/types.js';
import type { Plan } from './types.js';

/**
 * Turns a --fail-on value into a threshold: the index of the lowest tier whose consumers fail
 * the run. One number serves all three forms, so the check after the run is a single comparison:
 * - `outstanding` → 0 (anything outstanding sits in the first tier or a later one);
 * - a tier name → that tier's index (the tier "or a later one", as the contract says);
 * - `never` → tiers.length (no tier reaches it).
 * The keywords win over a tier of the same name, since the contract defines them first.
 * A value that fits none is returned as a sentence listing every valid value: the user typed it,
 * so the message names the fix.
 */
export function resolveFailOn(value: string, tiers: readonly Tier[]): number | string {
  if (value === 'outstanding') return 0;
  if (value === 'never') return tiers.length;
  const index = tiers.findIndex((tier) => tier.name === value);
  if (index >= 0) return index;
  const valid = ['outstanding', 'never', ...tiers.map((tier) => tier.name)];
  return `--fail-on: "${value}" is not one of ${valid.join(', ')} (a tier name means that tier or a later one)`;
}

/**
 * Whether the run should exit 3: something is outstanding at or above the --fail-on threshold.
 * Rows with a status chaser does not know, past their deadline, fail it at every threshold but
 * `never`: chaser cannot tell whether they are done, and a gate must not pass on a guess (a
 * tier threshold does not help either: an unknown status says nothing of how far along a row is).
 */
export function failOnExceeded(plan: Plan, failOn: string): boolean {
  const threshold = resolveFailOn(failOn, plan.tiers);
  // Callers resolve the flag before reading anything, so an unresolved value here is a bug.
  if (typeof threshold === 'string') throw new Error(`policy: unresolved fail-on value: ${threshold}`);
  if (threshold < plan.tiers.length && plan.unknownStatuses.overdue > 0) return true;
  return plan.tiers.slice(threshold).some((tier) => (plan.byTier[tier.name] ?? 0) > 0);
}
