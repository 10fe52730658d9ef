import type { Tier } from '../config/types.js';
import { NudgeList } from './nudge-list.js';
import type { Sending } from '../calendar/team-calendars.js';
import type { Laggard, ListedConsumer, Route, TeamPlan, TeamSummary } from './types.js';

/**
 * A team message names at most this many consumers, the most overdue; the rest are counted ("…and
 * 212 more") and still recorded. 25 reads well in Slack, and it is what a plan keeps per team in
 * memory: at 10,000 teams, every extra listed consumer costs about 3 MB.
 */
export const LISTED_MAX = 25;

/** Most overdue first: the oldest deadline, then the id so the order never depends on input order. */
export function compareMostOverdue(aDeadlineMs: number, aId: string, bDeadlineMs: number, bId: string): number {
  if (aDeadlineMs !== bDeadlineMs) return aDeadlineMs - bDeadlineMs;
  return compareText(aId, bId);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareListed(a: ListedConsumer, b: ListedConsumer): number {
  return compareMostOverdue(a.deadlineMs, a.id, b.deadlineMs, b.id);
}

/** One team's result with the tier positions the run-wide ordering needs. */
export interface TeamResult {
  summary: TeamSummary;
  worstTierIndex: number;
  /** Absent when nothing of the team is due in this run. */
  plan?: { teamPlan: TeamPlan; tierIndex: number; maxDaysOverdue: number };
}

/**
 * Everything the plan needs about one team, in a shape whose size does not grow with the
 * team's waiting and snoozed consumers: counters, plus for each due consumer just its id,
 * deadline and tier (every due consumer is recorded, so those cannot be dropped), plus at most
 * 2 × LISTED_MAX compact ListedConsumers as candidates for the message's list. That bound is what lets
 * a million-row sweep run in bounded memory, and since nothing here depends on the order rows
 * arrive in, a team that shows up again later is simply folded in.
 */
export class TeamTally {
  private outstanding = 0;
  private due = 0;
  private waiting = 0;
  private snoozed = 0;
  private readonly byTier: number[];
  private worstTierIndex = -1;
  private oldestDeadlineMs = Infinity;
  /** Kept from the laggards rather than derived from the oldest deadline: on the business clock, days depend on the team's calendar. */
  private maxDaysOverdue = 0;
  private dueMaxDaysOverdue = 0;

  private readonly dueIds: string[] = [];
  private readonly dueDeadlinesMs: number[] = [];
  private readonly dueTierIndexes: number[] = [];
  private dueWorstTierIndex = -1;
  private dueOldestDeadlineMs = Infinity;
  private listCandidates: ListedConsumer[] = [];

  constructor(
    readonly team: string,
    private readonly route: Route,
    tierCount: number,
    /** Shares one copy of each listed key id across the run (see createInterner). */
    private readonly intern: (text: string) => string,
  ) {
    this.byTier = new Array<number>(tierCount).fill(0);
  }

  add(laggard: Laggard, tierIndex: number): void {
    const deadlineMs = laggard.consumer.deadline.getTime();
    this.outstanding += 1;
    this.byTier[tierIndex] = (this.byTier[tierIndex] ?? 0) + 1;
    this.worstTierIndex = Math.max(this.worstTierIndex, tierIndex);
    this.oldestDeadlineMs = Math.min(this.oldestDeadlineMs, deadlineMs);
    this.maxDaysOverdue = Math.max(this.maxDaysOverdue, laggard.daysOverdue);

    if (laggard.disposition === 'waiting') this.waiting += 1;
    if (laggard.disposition === 'snoozed') this.snoozed += 1;
    if (laggard.disposition !== 'due') return;

    this.due += 1;
    this.dueIds.push(laggard.consumer.id);
    this.dueDeadlinesMs.push(deadlineMs);
    this.dueTierIndexes.push(tierIndex);
    this.dueWorstTierIndex = Math.max(this.dueWorstTierIndex, tierIndex);
    this.dueOldestDeadlineMs = Math.min(this.dueOldestDeadlineMs, deadlineMs);
    this.dueMaxDaysOverdue = Math.max(this.dueMaxDaysOverdue, laggard.daysOverdue);
    const { id, name, keyId } = laggard.consumer;
    this.listCandidates.push({ id, name, keyId: keyId === null ? null : this.intern(keyId), deadlineMs, daysOverdue: laggard.daysOverdue });
    // Trimming only once the buffer doubles keeps the cost per row amortised O(log LISTED_MAX).
    if (this.listCandidates.length >= 2 * LISTED_MAX) this.compact();
  }

  /** Drops the list candidates that can no longer make the message; called when a team is complete. */
  compact(): void {
    if (this.listCandidates.length > LISTED_MAX) {
      this.listCandidates = this.listCandidates.sort(compareListed).slice(0, LISTED_MAX);
    }
  }

  /** `sendingFor` is asked only for a team with something due. */
  finish(tiers: readonly Tier[], sendingFor: () => Sending): TeamResult {
    const worstTier = tierAt(tiers, this.worstTierIndex);
    const summary: TeamSummary = {
      team: this.team,
      route: this.route,
      outstanding: this.outstanding,
      due: this.due,
      waiting: this.waiting,
      snoozed: this.snoozed,
      worstTier,
      maxDaysOverdue: this.maxDaysOverdue,
      oldestDeadline: new Date(this.oldestDeadlineMs),
      byTier: countsByName(tiers, this.byTier),
    };
    if (this.due === 0) return { summary, worstTierIndex: this.worstTierIndex };
    const dueOldestDeadline = new Date(this.dueOldestDeadlineMs);
    const teamPlan: TeamPlan = {
      team: this.team,
      route: this.route,
      tier: tierAt(tiers, this.dueWorstTierIndex),
      dueCount: this.due,
      listed: [...this.listCandidates].sort(compareListed).slice(0, LISTED_MAX),
      nudges: this.sortedNudges(tiers),
      oldestDeadline: dueOldestDeadline,
      sending: sendingFor(),
    };
    return {
      summary,
      worstTierIndex: this.worstTierIndex,
      plan: { teamPlan, tierIndex: this.dueWorstTierIndex, maxDaysOverdue: this.dueMaxDaysOverdue },
    };
  }

  /** Every due id in the same order as the list, so the first LISTED_MAX nudges are the listed ones. */
  private sortedNudges(tiers: readonly Tier[]): NudgeList {
    const { dueIds, dueDeadlinesMs, dueTierIndexes } = this;
    const order = Uint32Array.from(dueIds.keys()).sort((a, b) =>
      compareMostOverdue(dueDeadlinesMs[a] as number, dueIds[a] as string, dueDeadlinesMs[b] as number, dueIds[b] as string),
    );
    return new NudgeList(
      Array.from(order, (from) => dueIds[from] as string),
      Array.from(order, (from) => dueTierIndexes[from] as number),
      tiers,
    );
  }
}

/**
 * One shared copy of each distinct text. A campaign rotates a handful of keys, so the key ids of
 * the 250,000 consumers a 1M-consumer plan lists are the same few strings over and over: ~9 MB
 * of copies (heap snapshot). At most `limit` texts are kept, so an inventory where every key id
 * differs costs a bounded map and nothing more.
 */
export function createInterner(limit = 1_000): (text: string) => string {
  const known = new Map<string, string>();
  return (text) => {
    const copy = known.get(text);
    if (copy !== undefined) return copy;
    if (known.size < limit) known.set(text, text);
    return text;
  };
}

function tierAt(tiers: readonly Tier[], index: number): Tier {
  const tier = tiers[index];
  if (tier === undefined) throw new Error(`policy: tier index ${index} out of range`);
  return tier;
}

/** Every tier name present, zeros included, so a report never has to guess at a missing key. */
export function countsByName(tiers: readonly Tier[], counts: readonly number[]): Record<string, number> {
  // fromEntries defines own properties, so even a tier called "__proto__" stays a plain count.
  return Object.fromEntries(tiers.map((tier, index) => [tier.name, counts[index] ?? 0]));
}
