import { DAY_MS, HOUR_MS } from './duration.js';
import type { AnswersConfig, DatabaseConfig, SlackConfig, SourceColumns, SourceConfig, Tier } from './types.js';

/**
 * Every default of the configuration, in one place. The schema applies them; the README, the
 * example config and the JSON Schema show them. Frozen, because they are shared by every
 * config that omits a key.
 */

/** The contract's escalation ladder: polite first, harder later. */
export const DEFAULT_TIERS: readonly Readonly<Tier>[] = Object.freeze([
  Object.freeze({ name: 'gentle', afterDaysOverdue: 0, every: '72h', everyMs: 72 * HOUR_MS, mention: 'none' }),
  Object.freeze({ name: 'firm', afterDaysOverdue: 3, every: '24h', everyMs: 24 * HOUR_MS, mention: 'none' }),
  Object.freeze({ name: 'urgent', afterDaysOverdue: 7, every: '24h', everyMs: 24 * HOUR_MS, mention: 'team' }),
  Object.freeze({ name: 'critical', afterDaysOverdue: 14, every: '12h', everyMs: 12 * HOUR_MS, mention: 'team' }),
]);

/** A mutable copy of the default ladder, for code that builds a Config by hand (tests, the demo). */
export function defaultTiers(): Tier[] {
  return DEFAULT_TIERS.map((tier) => ({ ...tier }));
}

/** The default ladder as a user would write it in a config file (no `everyMs`). */
export const DEFAULT_TIERS_AS_WRITTEN = DEFAULT_TIERS.map(({ name, afterDaysOverdue, every, mention }) =>
  Object.freeze({ name, afterDaysOverdue, every, mention }),
);

/** Column names of the contract's default inventory table. */
export const DEFAULT_COLUMNS: Readonly<SourceColumns> = Object.freeze({
  id: 'id',
  name: 'name',
  team: 'owner_team',
  keyId: 'key_id',
  status: 'status',
  deadline: 'rotation_deadline',
  snoozedUntil: 'snoozed_until',
});

export const DEFAULT_TABLE = 'rotation_consumers';
/** digest.every: one digest a day from sweeps, however often they run (a CronJob's retries included). */
export const DEFAULT_DIGEST_EVERY = '1d';
export const DEFAULT_PENDING_STATUSES: readonly string[] = Object.freeze(['pending']);
/** The contract's "done" values: moved to the new key, or exempted from moving. The first is the one messages ask for. */
export const DEFAULT_DONE_STATUSES: readonly string[] = Object.freeze(['confirmed', 'exempt']);

export const DEFAULT_SOURCE: Readonly<SourceConfig> = Object.freeze({
  table: DEFAULT_TABLE,
  columns: DEFAULT_COLUMNS,
  pendingStatuses: DEFAULT_PENDING_STATUSES as string[],
  doneStatuses: DEFAULT_DONE_STATUSES as string[],
});

export const DEFAULT_DATABASE: Readonly<Omit<DatabaseConfig, 'url'>> = Object.freeze({
  connectTimeoutSeconds: 10,
  statementTimeoutMs: 30_000,
});

export const DEFAULT_SLACK: Readonly<SlackConfig> = Object.freeze({
  concurrency: 8,
  timeoutMs: 10_000,
  retries: 2,
  maxRetryAfterSeconds: 120,
  perChannelIntervalMs: 1_000,
});

export const DEFAULT_THREADS = 'reply' as const;
export const DEFAULT_THREAD_MAX_AGE_DAYS = 14;

export const DEFAULT_ANSWERS: Readonly<AnswersConfig> = Object.freeze({
  who: 'team' as const,
  reactions: Object.freeze({ done: 'white_check_mark', snooze: 'zzz', notOurs: 'no_entry_sign' }),
  claimGrace: '2d',
  claimGraceMs: 2 * DAY_MS,
  maxSnooze: '7d',
  maxSnoozeMs: 7 * DAY_MS,
  // A week and a day: a weekly job is never quiet that long between two runs, even with the hours
  // of lag an access-log source (AWS last-used) adds.
  quietFor: '8d',
  quietForMs: 8 * DAY_MS,
});

/** Allowed ranges of the numeric settings: the schema enforces them, the JSON Schema shows them. */
export const LIMITS = Object.freeze({
  connectTimeoutSeconds: { min: 1, max: 300 },
  statementTimeoutMs: { min: 100, max: 3_600_000 },
  concurrency: { min: 1, max: 50 },
  timeoutMs: { min: 1_000, max: 120_000 },
  retries: { min: 0, max: 10 },
  maxRetryAfterSeconds: { min: 1, max: 900 },
  perChannelIntervalMs: { min: 0, max: 60_000 },
  templateLength: { max: 2_000 },
  threadMaxAgeDays: { min: 1, max: 90 },
});
