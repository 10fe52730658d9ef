import type { Sending } from '../calendar/team-calendars.js';
import type { Tier } from '../config/types.js';
import { assessRow, createPolicyContext, type RowEvidence } from './assess.js';
import { routeFor } from './routes.js';
import { compareText, countsByName, createInterner, TeamTally, type TeamResult } from './team-tally.js';
import { isValidDate } from './time.js';
import { LISTED_MAX } from './team-tally.js';
import type {
  AnswerCounts,
  AnsweredConsumer,
  ConsumerRow,
  Laggard,
  Plan,
  PlanEvidence,
  PlanOptions,
  Skipped,
  TeamEvidence,
  TeamPlan,
  TeamSummary,
  UnknownStatuses,
} from './types.js';
import { withNearMisses } from './statuses.js';

const SEND: Sending = Object.freeze({ mode: 'send' });

export interface PlanBuilder {
  /** Feeds rows in any number of batches; rows of one team are best kept together (see createPlanBuilder). */
  addRows(rows: Iterable<ConsumerRow>): void;
  /** The run's count of rows whose status is neither pending nor done (read apart from the rows: db/statuses.ts). */
  setUnknownStatuses(unknown: UnknownStatuses): void;
  /** The plan for every row added. The builder is spent afterwards. */
  finish(): Plan;
}

/**
 * An incremental planner, so a sweep over a million rows can stream them from a cursor instead
 * of holding them all. It keeps per team only a compact tally (see TeamTally) and, run-wide,
 * the ids already seen (the duplicate check needs them; ids only, no rows).
 *
 * The database sends rows ordered by team; the builder uses that only to trim a team's list
 * candidates as soon as the team is complete. Nothing depends on it for correctness: a team
 * that reappears later (a nondeterministic collation can interleave "Ops" and "ops") is folded
 * into its tally, and the plan is the same as for grouped input.
 */
export function createPlanBuilder(options: PlanOptions, now: Date): PlanBuilder {
  if (!isValidDate(now)) throw new Error('policy: now must be a valid Date');
  const context = createPolicyContext(options);
  // The plan's own copy: a caller reusing its array cannot change a plan already made.
  const tiers = [...options.tiers];
  const tallies = new Map<string, TeamTally>();
  const seenIds = new Set<string>();
  const internKeyId = createInterner();
  const skipped: Skipped[] = [];
  const answered = new Map<string, AnsweredConsumer[]>();
  const answerCounts = new Map<string, AnswerCounts>();
  const oldestByTier = Array.from({ length: tiers.length }, (): Date | undefined => undefined);
  let previous: TeamTally | undefined;
  let finished: Plan | undefined;
  let unknownStatuses: UnknownStatuses = NO_UNKNOWN_STATUSES;
  const evidence: PlanEvidence | undefined = options.evidence
    ? { seenAfterDeadline: 0, looksDone: 0, contradicted: 0, unreadable: 0, unreadableIds: [], byTeam: new Map() }
    : undefined;

  function tallyFor(team: string): TeamTally {
    let tally = tallies.get(team);
    if (tally === undefined) {
      tally = new TeamTally(team, routeFor(team, options.teams, options.fallbackChannel), tiers.length, internKeyId);
      tallies.set(team, tally);
    }
    return tally;
  }

  return {
    addRows(rows) {
      if (finished) throw new Error('policy: addRows after finish; create a new plan builder per run');
      for (const row of rows) {
        // First occurrence wins, whatever it turns out to be: a second row with the same id is
        // an inventory error worth reporting, and picking the "better" row would hide it.
        // A user's table may hold NULL ids: such a row can be neither told apart nor recorded.
        if ((row.id as string | null) === null) {
          skipped.push({ id: '', team: row.team, reason: 'missing-id' });
          continue;
        }
        if (!options.idsUnique) {
          if (seenIds.has(row.id)) {
            skipped.push({ id: row.id, team: row.team, reason: 'duplicate-id' });
            continue;
          }
          seenIds.add(row.id);
        }
        const assessment = assessRow(row, context, now);
        if (assessment.kind === 'skipped') skipped.push({ id: row.id, team: row.team, reason: assessment.reason });
        if (assessment.kind !== 'outstanding') continue;
        const { deadline } = assessment.laggard.consumer;
        const oldest = oldestByTier[assessment.tierIndex];
        if (oldest === undefined || deadline < oldest) oldestByTier[assessment.tierIndex] = deadline;
        const tally = tallyFor(assessment.laggard.consumer.team);
        if (previous !== undefined && previous !== tally) previous.compact();
        previous = tally;
        tally.add(assessment.laggard, assessment.tierIndex);
        const { answers, consumer } = assessment.laggard;
        if (answers) {
          const list = answered.get(consumer.team) ?? [];
          if (list.length < LISTED_MAX) list.push({ id: consumer.id, name: consumer.name, answers });
          answered.set(consumer.team, list);
          const claimed = answers.claim?.state === 'claimed';
          if ((claimed || answers.dispute) && consumer.keyId !== null) {
            const counts = answerCounts.get(consumer.keyId) ?? { claimed: 0, disputed: 0 };
            if (claimed) counts.claimed += 1;
            if (answers.dispute) counts.disputed += 1;
            answerCounts.set(consumer.keyId, counts);
          }
        }
        if (evidence && assessment.evidence) countEvidence(evidence, assessment.laggard, assessment.evidence);
      }
    },

    setUnknownStatuses(unknown) {
      if (finished) throw new Error('policy: setUnknownStatuses after finish; create a new plan builder per run');
      unknownStatuses = withNearMisses(unknown, [...options.pendingStatuses, ...(options.doneStatuses ?? [])]);
    },

    finish() {
      if (finished) return finished;
      // Each tally is dropped as soon as it is finished, so its raw due lists become garbage while
      // the rest are packed, instead of every team's being held twice at the end.
      const results: TeamResult[] = [];
      for (const [team, tally] of tallies) {
        results.push(tally.finish(tiers, () => options.calendars?.sendingFor(team, now) ?? SEND));
        tallies.delete(team);
      }
      seenIds.clear();
      finished = assemblePlan(results, tiers, skipped, oldestByTier, now);
      finished.unknownStatuses = unknownStatuses;
      finished.filters = {
        ...(options.filters?.teams?.length ? { teams: [...options.filters.teams] } : {}),
        ...(options.filters?.keyId !== undefined ? { keyId: options.filters.keyId } : {}),
      };
      finished.answered = answered;
      if (evidence) finished.evidence = evidence;
      if (answerCounts.size > 0) finished.answerCounts = answerCounts;
      return finished;
    },
  };
}

/** Most unreadable lastSeenOnOldKey ids a plan keeps for its warning (the count is exact). */
const UNREADABLE_IDS_MAX = 20;

function countEvidence(evidence: PlanEvidence, laggard: Laggard, row: RowEvidence): void {
  if (row.unreadable) {
    evidence.unreadable += 1;
    if (evidence.unreadableIds.length < UNREADABLE_IDS_MAX) evidence.unreadableIds.push(laggard.consumer.id);
    return;
  }
  const looksDone = laggard.answers?.looksDone !== undefined;
  const contradicted = laggard.answers?.claim?.state === 'contradicted';
  if (!row.seenAfterDeadline && !looksDone && !contradicted) return;
  const team = laggard.consumer.team;
  let byTeam: TeamEvidence | undefined = evidence.byTeam.get(team);
  if (!byTeam) {
    byTeam = { seenAfterDeadline: 0, looksDone: [], contradicted: [] };
    evidence.byTeam.set(team, byTeam);
  }
  if (row.seenAfterDeadline) {
    evidence.seenAfterDeadline += 1;
    byTeam.seenAfterDeadline += 1;
  }
  if (looksDone) {
    evidence.looksDone += 1;
    if (byTeam.looksDone.length < LISTED_MAX) byTeam.looksDone.push(laggard.consumer.id);
  }
  if (contradicted) {
    evidence.contradicted += 1;
    if (byTeam.contradicted.length < LISTED_MAX) byTeam.contradicted.push(laggard.consumer.id);
  }
}

const NO_UNKNOWN_STATUSES: UnknownStatuses = Object.freeze({ rows: 0, overdue: 0, statuses: Object.freeze([]) as never[], distinct: 0 });

/** The whole plan from rows already in memory: the convenience form of createPlanBuilder. */
export function planSweep(rows: Iterable<ConsumerRow>, options: PlanOptions, now: Date): Plan {
  const builder = createPlanBuilder(options, now);
  builder.addRows(rows);
  return builder.finish();
}

function assemblePlan(
  results: TeamResult[],
  tiers: Tier[],
  skipped: Skipped[],
  oldestByTier: ReadonlyArray<Date | undefined>,
  now: Date,
): Plan {
  const byTier = new Array<number>(tiers.length).fill(0);
  let outstanding = 0;
  for (const { summary } of results) {
    outstanding += summary.outstanding;
    tiers.forEach((tier, index) => {
      byTier[index] = (byTier[index] ?? 0) + (summary.byTier[tier.name] ?? 0);
    });
  }
  const summaries: TeamSummary[] = sortMostOverdue(results, (result) => ({
    tierIndex: result.worstTierIndex,
    maxDaysOverdue: result.summary.maxDaysOverdue,
    team: result.summary.team,
  })).map((result) => result.summary);
  const plans = results.flatMap((result) => (result.plan ? [result.plan] : []));
  const teams: TeamPlan[] = sortMostOverdue(plans, (plan) => ({
    tierIndex: plan.tierIndex,
    maxDaysOverdue: plan.maxDaysOverdue,
    team: plan.teamPlan.team,
  })).map((plan) => plan.teamPlan);
  const oldestDeadlineByTier = Object.fromEntries(tiers.map((tier, i) => [tier.name, oldestByTier[i] ?? null]));
  return {
    now,
    tiers,
    outstanding,
    byTier: countsByName(tiers, byTier),
    oldestDeadlineByTier,
    teams,
    summaries,
    skipped,
    unknownStatuses: NO_UNKNOWN_STATUSES,
    filters: {},
    answered: new Map(),
  };
}

interface MostOverdueKey {
  tierIndex: number;
  maxDaysOverdue: number;
  team: string;
}

/**
 * Teams are ordered the way a security lead reads them: the worst tier first, then the longest
 * overdue, then by name so two runs over the same data print the same order. For a TeamPlan the
 * tier and days are those of its due consumers (what its message is about); for a summary, those
 * of everything it has outstanding.
 */
function sortMostOverdue<T>(items: T[], keyOf: (item: T) => MostOverdueKey): T[] {
  return items.sort((a, b) => {
    const x = keyOf(a);
    const y = keyOf(b);
    return y.tierIndex - x.tierIndex || y.maxDaysOverdue - x.maxDaysOverdue || compareText(x.team, y.team);
  });
}
