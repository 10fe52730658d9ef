import type { OutsideHours, WeekdayName } from './calendar-schema.js';
/**
 * The validated, defaulted configuration every command receives. `validateConfig` (schema.ts)
 * produces exactly this shape from whatever the user wrote; nothing below the config layer
 * sees raw user input.
 */
export type MentionMode = 'none' | 'team' | 'here';

export interface Tier {
  name: string;
  /** Enters this tier once the consumer is at least this many days (may be fractional) past its deadline. */
  afterDaysOverdue: number;
  /** Least time between two nudges of one consumer in this tier, in milliseconds. */
  everyMs: number;
  /** The duration as the user wrote it ("72h"), for messages and reports. */
  every: string;
  mention: MentionMode;
  /** Escalation past a silent team, when configured for this tier. */
  escalation?: TierEscalation;
  /** mrkdwn template with {{team}} {{count}} {{oldestDays}} {{tier}} {{consumers}}; undefined = built-in wording. */
  template?: string;
}

export interface TeamRoute {
  /** Channel id (C…/G…) or #name. */
  channel: string;
  /** User group (S…) or user (U…/W…) mentioned on tiers whose mention is "team". */
  mention?: string;
  /** The calendar keys this team sets itself; the rest come from Config.calendar. */
  calendar?: Partial<CalendarSettings>;
  /** The team's own escalation chain (its manager, its on-call lead): replaces the tier's. */
  escalateTo?: EscalationTarget[];
  /** Overrides the config's maxMessagesPerTeamPerWeek for this team. */
  maxMessagesPerWeek?: number;
}

/** Where an escalation goes; "lead" is the digest's recipient. */
export type EscalationTarget =
  { kind: 'usergroup'; id: string } | { kind: 'user'; id: string } | { kind: 'channel'; channel: string } | { kind: 'lead' };

export interface TierEscalation {
  /** K: escalate after this many ignored nudges in a row, and one step further per further K. */
  afterIgnored: number;
  /** How long a nudge may go unanswered before it counts as ignored (default: the tier's cadence). */
  ignoredAfterMs: number;
  /** Step 1, then the chain; never empty (the lead when nothing else is configured). */
  chain: EscalationTarget[];
}

export interface BudgetConfig {
  /** At most this many chaser messages a team receives in any 7 days, across campaigns; null = no budget. */
  maxPerWeek: number | null;
  /** Tiers whose messages always go out. */
  exemptTiers: string[];
}

/** A team's working calendar as configured (see src/calendar/ for what it means). */
export interface CalendarSettings {
  /** IANA zone. */
  timezone: string;
  /** Never empty. */
  workdays: WeekdayName[];
  /** Local "HH:MM"; end ≤ start crosses midnight; end may be "24:00". */
  hours: { start: string; end: string };
  /** Dates "YYYY-MM-DD" and region codes ("DE-BE"). */
  holidays: string[];
  outsideHours: OutsideHours;
}

export type OverdueClockMode = 'calendar' | 'business';

export interface SourceColumns {
  id: string;
  name: string;
  team: string;
  keyId: string;
  status: string;
  deadline: string;
  /** Optional: a table without this column simply has no snoozing. */
  snoozedUntil: string;
  /** Optional, no default: when the consumer last used the revoked key (evidence for claims and "looks done"). */
  lastSeenOnOldKey?: string;
}

export interface SourceConfig {
  /** Table name, optionally schema-qualified ("inventory.consumers"). */
  table: string;
  columns: SourceColumns;
  pendingStatuses: string[];
  /**
   * Statuses that mean "moved" (the first, which messages ask for) or "exempt from moving". A
   * status in neither list is never treated as done: it is reported and fails the gate.
   */
  doneStatuses: string[];
}

export type DigestDestination = { channel: string } | { user: string } | { email: string };

export interface SlackConfig {
  /** Messages in flight at once, across different channels. */
  concurrency: number;
  /** Per-attempt HTTP timeout. */
  timeoutMs: number;
  /** Retries for 5xx / network errors before a delivery is failed. */
  retries: number;
  /** Longest Retry-After chaser will honour; a longer one fails the delivery instead of stalling the job. */
  maxRetryAfterSeconds: number;
  /** Least time between two posts into the same channel (Slack allows ~1/s per channel). */
  perChannelIntervalMs: number;
}

export interface DatabaseConfig {
  url?: string;
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
}

/** Who may answer in a team's thread (see policy/answers/who.ts). */
export type AnswerWho = 'team' | 'anyone' | string[];

export interface AnswersConfig {
  who: AnswerWho;
  /** Reaction names (no colons) that mean done / snooze / not ours. */
  reactions: { done: string; snooze: string; notOurs: string };
  /** How long "done" stops the nudging before the inventory must agree, in ms. */
  claimGraceMs: number;
  claimGrace: string;
  /** The longest snooze honoured, in ms; longer requests are honoured this long and listed for the lead. */
  maxSnoozeMs: number;
  maxSnooze: string;
  /** With lastSeenOnOldKey mapped: a pending consumer not seen on the old key for this long "looks done", in ms. */
  quietForMs: number;
  quietFor: string;
}

export interface Config {
  database: DatabaseConfig;
  source: SourceConfig;
  /** Ordered by afterDaysOverdue ascending (validated, not re-sorted). */
  tiers: Tier[];
  teams: Record<string, TeamRoute>;
  fallbackChannel?: string;
  digest?: DigestDestination;
  /** digest.every: a sweep sends its digest at most once per this period (`chaser digest` always sends). */
  digestPeriod: { every: string; everyMs: number };
  /** digest.at / digest.timezone: one digest a day, on the first run at or after `at` local time. */
  digestAt?: { at: string; timezone: string };
  /** The default calendar of every team (each team may override keys in its route). */
  calendar: CalendarSettings;
  /** How the ladder counts days overdue and cadence. */
  overdueClock: OverdueClockMode;
  slack: SlackConfig;
  budget: BudgetConfig;
  /** "reply": one living thread per team; "off": a new top-level message per run (v0.1). */
  threads: 'reply' | 'off';
  /** A thread older than this is replaced by a new parent that links the old one. */
  threadMaxAgeDays: number;
  answers: AnswersConfig;
}
