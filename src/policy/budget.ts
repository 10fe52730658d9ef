/**
 * A per-team message budget: at most N chaser messages a team receives in any 7 days, across
 * campaigns. Pure: the count of messages already sent is passed in.
 */

export interface BudgetRule {
  /** null: no budget. */
  maxPerWeek: number | null;
  /** Tiers whose messages always go out (they still count toward the budget). */
  exemptTiers: readonly string[];
}

export interface Budgeted<T> {
  send: T[];
  /** Held back by the budget: never dropped silently, every one is counted and reported. */
  held: T[];
  /** Messages the team will have received in the window once `send` is out. */
  usedAfter: number;
}

/**
 * Splits this run's planned messages for one team into those that go out and those the budget
 * holds back. Exempt messages go first (they are the urgent ones) and always; the rest go while
 * the week's count is under the limit, in the order given (most overdue first).
 */
export function applyBudget<T extends { tier: string }>(planned: readonly T[], sentInWindow: number, rule: BudgetRule): Budgeted<T> {
  if (rule.maxPerWeek === null) return { send: [...planned], held: [], usedAfter: sentInWindow + planned.length };
  const exempt = planned.filter((message) => rule.exemptTiers.includes(message.tier));
  const rest = planned.filter((message) => !rule.exemptTiers.includes(message.tier));
  let used = sentInWindow + exempt.length;
  const send = [...exempt];
  const held: T[] = [];
  for (const message of rest) {
    if (used < rule.maxPerWeek) {
      send.push(message);
      used += 1;
    } else {
      held.push(message);
    }
  }
  return { send, held, usedAfter: used };
}
