/**
 * Value builders for the pure core: `consumer({ overdueDays: 8 })` reads like the rule it tests.
 * The default ladder is spelled out here on purpose, not imported from src/config: tests should
 * pin the contract's numbers, not whatever the defaults module happens to say.
 */
import type { TeamRoute, Tier } from '../../src/config/types.js';
import type { ConsumerRow, NudgeState, PlanOptions } from '../../src/policy/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, NOW } from './clock.js';

/** "72h", "1d", "30m", "1.5h" → milliseconds; only what the tests write. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text);
  if (!match) throw new Error(`builders: unsupported duration "${text}"`);
  const unit = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function tier(fields: Partial<Tier> & { name: string }): Tier {
  const every = fields.every ?? (fields.everyMs === undefined ? '24h' : `${fields.everyMs}ms`);
  return {
    afterDaysOverdue: 0,
    mention: 'none',
    ...fields,
    every,
    everyMs: fields.everyMs ?? durationMs(every),
  };
}

/** The contract's default ladder, the one ladder of the test suite (each rung also on its own). */
export const GENTLE: Tier = Object.freeze(tier({ name: 'gentle', afterDaysOverdue: 0, every: '72h', mention: 'none' }));
export const FIRM: Tier = Object.freeze(tier({ name: 'firm', afterDaysOverdue: 3, every: '24h', mention: 'none' }));
export const URGENT: Tier = Object.freeze(tier({ name: 'urgent', afterDaysOverdue: 7, every: '24h', mention: 'team' }));
export const CRITICAL: Tier = Object.freeze(tier({ name: 'critical', afterDaysOverdue: 14, every: '12h', mention: 'team' }));
export const DEFAULT_TEST_TIERS: readonly Tier[] = Object.freeze([GENTLE, FIRM, URGENT, CRITICAL]);

let nextId = 1;

export interface ConsumerSpec extends Partial<Omit<ConsumerRow, 'state'>> {
  /** Deadline = now − this many days (fractions allowed); ignored when `deadline` is given. */
  overdueDays?: number;
  /** Deadline = now − this many milliseconds, for boundary tests. */
  overdueMs?: number;
  state?: NudgeState | null;
  /** The instant the relative fields are measured from. */
  now?: Date;
}

/** A pending consumer of team "payments", 1 day overdue and never nudged, unless told otherwise. */
export function consumer(spec: ConsumerSpec = {}): ConsumerRow {
  const { overdueDays, overdueMs, now = NOW, ...fields } = spec;
  const id = fields.id ?? `c-${String(nextId++).padStart(4, '0')}`;
  const overdue = overdueMs ?? (overdueDays ?? 1) * DAY_MS;
  return {
    id,
    name: `service ${id}`,
    team: 'payments',
    keyId: 'key-2025',
    status: 'pending',
    deadline: new Date(now.getTime() - overdue),
    snoozedUntil: null,
    state: null,
    ...fields,
  };
}

export interface NudgedSpec {
  /** lastNudgedAt = now − this many hours (negative: in the future). */
  hoursAgo?: number;
  msAgo?: number;
  at?: Date;
  tier?: string | null;
  count?: number;
  now?: Date;
}

/** chaser's memory of a consumer: nudged once, 24 h ago, in "gentle", unless told otherwise. */
export function nudged(spec: NudgedSpec = {}): NudgeState {
  const now = spec.now ?? NOW;
  const ago = spec.msAgo ?? (spec.hoursAgo ?? 24) * HOUR_MS;
  return {
    nudgeCount: spec.count ?? 1,
    lastNudgedAt: spec.at ?? new Date(now.getTime() - ago),
    lastTier: spec.tier === undefined ? 'gentle' : spec.tier,
  };
}

export const TEST_TEAMS: Readonly<Record<string, TeamRoute>> = Object.freeze({
  payments: { channel: 'C0PAYMENTS', mention: 'S0PAYMENTS' },
  search: { channel: '#search-alerts' },
});

/** Planner options: the default ladder, two routed teams, no fallback, status "pending". */
export function planOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return { tiers: DEFAULT_TEST_TIERS, teams: TEST_TEAMS, pendingStatuses: ['pending'], ...overrides };
}
