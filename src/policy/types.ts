import type { TeamRoute, Tier } from '../config/types.js';
import type { Sending, TeamCalendars } from '../calendar/team-calendars.js';
import type { AnswerSettings, ConsumerAnswers } from './answers/effects.js';
import type { AckEvent } from './answers/types.js';
import type { NudgeList } from './nudge-list.js';

/** One inventory row as read from the user's table (ids in their text form). */
export interface Consumer {
  /** NULL ids are possible in a user's table; such a row is skipped with a warning (it cannot be recorded). */
  id: string;
  /** NULL names are possible in a user's table; rendered as the id. */
  name: string | null;
  /** NULL team: the row is skipped with a warning (it cannot be routed). */
  team: string | null;
  keyId: string | null;
  status: string;
  /** NULL or unreadable (an Invalid Date) deadline: skipped with a warning (it cannot be bucketed). */
  deadline: Date | null;
  /**
   * NULL: not snoozed. An instant: no nudges before it; FOREVER_MS (Postgres `infinity`): snoozed
   * for good. An Invalid Date (a value that is not an instant): skipped with a warning, since
   * chaser can tell neither whether nor until when the team asked for quiet.
   */
  snoozedUntil: Date | null;
}

/** chaser's own memory of a consumer (chaser_nudge_state). */
export interface NudgeState {
  nudgeCount: number;
  lastNudgedAt: Date;
  lastTier: string | null;
}

export interface ConsumerRow extends Consumer {
  state: NudgeState | null;
  /**
   * When the consumer last used the revoked key (source.columns.lastSeenOnOldKey): absent or NULL
   * when not mapped or not known; an Invalid Date when the value is not an instant chaser can read
   * (treated as unknown, and reported).
   */
  lastSeenOnOldKey?: Date | null;
}

/**
 * What the policy decided for one outstanding consumer:
 * - due: nudge it in this run;
 * - waiting: nudged recently, its tier's cadence has not passed yet;
 * - snoozed: snoozed_until is still in the future.
 */
export type Disposition = 'due' | 'waiting' | 'snoozed';

export interface Laggard {
  consumer: Consumer & { team: string; deadline: Date };
  /** Whole days from deadline to now, rounded down (0 on the first day past the deadline). */
  daysOverdue: number;
  tier: Tier;
  state: NudgeState | null;
  disposition: Disposition;
  /** What the team's answers mean for it now (claimed, snoozed, disputed, eta), when they say anything. */
  answers?: ConsumerAnswers;
  /**
   * For waiting and snoozed: the earliest instant the next nudge may go out if the consumer stays
   * in its current tier (moving up to a tier with a shorter cadence can bring it forward).
   */
  nextNudgeAt: Date | null;
}

/**
 * A consumer named in its team's message: only what its line shows. A plan keeps up to
 * LISTED_MAX of these per team for the whole run, so it is kept far smaller than a Laggard: at
 * 1M consumers in 10,000 teams, full Laggards (with their row, state and Dates) were ~100 MB of
 * the sweep's live heap; these are ~25 MB.
 */
export interface ListedConsumer {
  id: string;
  name: string | null;
  keyId: string | null;
  /** Epoch milliseconds rather than a Date: a number costs 16 bytes of heap, a Date about 96. */
  deadlineMs: number;
  daysOverdue: number;
}

export interface Skipped {
  id: string;
  team: string | null;
  reason: 'missing-id' | 'missing-team' | 'missing-deadline' | 'invalid-snooze' | 'duplicate-id';
}

/** What the run was limited to (--team, --key): every report of a filtered run says so. */
export interface RunFilters {
  teams?: string[];
  keyId?: string;
}

/**
 * Rows whose status is in neither pendingStatuses nor doneStatuses (NULL included). chaser does not
 * know whether they are done, so it never treats them as done: they are reported, and those past
 * their deadline (or with none chaser can read) keep the gate failing.
 */
export interface UnknownStatuses {
  /** Every such row, due or not. */
  rows: number;
  /** Those past their deadline or with no readable one: what the gate counts. */
  overdue: number;
  /** The most frequent statuses, at most a few dozen (`status` null = NULL). */
  statuses: UnknownStatusCount[];
  /** How many distinct unknown statuses there are in all (statuses may list fewer). */
  distinct: number;
}

export interface UnknownStatusCount {
  status: string | null;
  rows: number;
  overdue: number;
  /** A configured status this one differs from only by case or spaces ("TODO" for "todo"). */
  nearMiss?: string;
}

/** Where a team's message goes. */
export type Route =
  | { kind: 'team'; channel: string; mention?: string }
  /** `because`: the team has a channel, but it could not be reached in this run (reason as Slack said). */
  | { kind: 'fallback'; channel: string; because?: { channel: string; reason: string } }
  | { kind: 'unrouted' };

/** One team's message for this run: only built when at least one of its consumers is due. */
export interface TeamPlan {
  team: string;
  route: Route;
  /** The tone of the message: the most overdue tier among the due consumers. */
  tier: Tier;
  dueCount: number;
  /** The due consumers, most overdue first, at most LISTED_MAX of them (a message cannot show more). */
  listed: ListedConsumer[];
  /** Every consumer the message covers, listed or counted, with the tier it was nudged in: all are recorded. */
  nudges: NudgeList;
  oldestDeadline: Date;
  /** What its window says: send now, hold for a run inside the window, or schedule at the opening. */
  sending: Sending;
}

/** One team's outstanding consumers, for the digest (every team with anything outstanding). */
export interface TeamSummary {
  team: string;
  route: Route;
  outstanding: number;
  due: number;
  waiting: number;
  snoozed: number;
  worstTier: Tier;
  maxDaysOverdue: number;
  oldestDeadline: Date;
  byTier: Record<string, number>;
}

export interface Plan {
  now: Date;
  tiers: Tier[];
  /** Outstanding = pending and past deadline, snoozed included. */
  outstanding: number;
  /** Outstanding consumers per tier name (every tier present, zero included). */
  byTier: Record<string, number>;
  /** The oldest deadline among the outstanding consumers of each tier (null when the tier is empty). */
  oldestDeadlineByTier: Record<string, Date | null>;
  /** Teams with something due this run, most overdue first. */
  teams: TeamPlan[];
  /** Teams with anything outstanding, most overdue first. */
  summaries: TeamSummary[];
  skipped: Skipped[];
  /** Rows with a status chaser does not know (see UnknownStatuses); zero counts when there are none. */
  unknownStatuses: UnknownStatuses;
  /** --team / --key of the run; empty when it covered everything. */
  filters: RunFilters;
  /** Per team, its outstanding consumers that answers say something about (at most LISTED_MAX each). */
  answered: Map<string, AnsweredConsumer[]>;
  /** What source.columns.lastSeenOnOldKey said; absent when no such column is mapped. */
  evidence?: PlanEvidence;
  /**
   * Per campaign (key id), how many outstanding consumers the answers hold back: claimed done
   * within claimGrace, and disputed ("not ours"). Every one counted, not only those listed;
   * absent when none is. The campaign snapshot records these numbers (one source of truth).
   */
  answerCounts?: Map<string, AnswerCounts>;
}

/** The old key's use, as the inventory reports it (source.columns.lastSeenOnOldKey), over the outstanding consumers. */
export interface PlanEvidence {
  /** Seen on the revoked key after their deadline. */
  seenAfterDeadline: number;
  /** Not seen on the old key for answers.quietFor: flagged "looks done — confirm in the inventory". */
  looksDone: number;
  /** Claimed done, and seen on the old key after the claim: re-escalated. */
  contradicted: number;
  /** Rows whose value is not an instant chaser can read: treated as unknown. */
  unreadable: number;
  /** The first few of those, for the warning (ids exact; shown through printableJson). */
  unreadableIds: string[];
  /** Per team with anything to say; consumer ids at most LISTED_MAX per list. */
  byTeam: Map<string, TeamEvidence>;
}

export interface TeamEvidence {
  seenAfterDeadline: number;
  looksDone: string[];
  contradicted: string[];
}

export interface AnswerCounts {
  claimed: number;
  disputed: number;
}

/** An outstanding consumer and what its team's answers mean for it. */
export interface AnsweredConsumer {
  id: string;
  name: string | null;
  answers: ConsumerAnswers;
}

/** The answers read back from the threads, for the planner: events per consumer and what they are worth. */
export interface PlanAnswers {
  byConsumer: ReadonlyMap<string, readonly AckEvent[]>;
  settings: AnswerSettings;
}

/** What the planner needs from the config: a subset of Config, so callers and tests need not build a whole one. */
export interface PlanOptions {
  /** Ordered by afterDaysOverdue ascending, the first at 0 (as the config validates them). */
  tiers: readonly Tier[];
  teams: Readonly<Record<string, TeamRoute>>;
  fallbackChannel?: string | undefined;
  /** Statuses that still count as "not moved yet" (source.pendingStatuses). */
  pendingStatuses: readonly string[];
  /**
   * The source guarantees unique ids (a primary key or unique index on the id column): the
   * duplicate-id check, which must remember every id of the run, can be skipped.
   */
  idsUnique?: boolean;
  /** What the run was limited to, carried into the plan so every report of it can say so. */
  filters?: RunFilters;
  /** The configured "done" values (source.doneStatuses): only needed to spot near misses. */
  doneStatuses?: readonly string[];
  /** Team calendars (windows and the ladder's clock); without them: calendar time, always open. */
  calendars?: Pick<TeamCalendars, 'clockFor' | 'sendingFor'>;
  /** Answers from the team threads: claims and snoozes hold consumers back, unverified claims climb a tier. */
  answers?: PlanAnswers;
  /** source.columns.lastSeenOnOldKey is mapped: the plan counts what it says (Plan.evidence). */
  evidence?: boolean;
}
