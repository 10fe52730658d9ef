import type { Sql } from '../../src/db/connect.js';
import { insertConsumers } from './db.js';
import { baseConfig, daysBefore } from './scenario.js';

/**
 * A small campaign for the fault tests: three routed teams, one due consumer each, in a known
 * order. Teams are posted most overdue first, so with `slack.concurrency: 1` the posts go out
 * payments, search, identity, then the digest: "the first post" is always payments'.
 */
export const CONSUMER_OF = { payments: 'pay-1', search: 'search-1', identity: 'id-1' } as const;

export async function seedThreeTeams(sql: Sql): Promise<void> {
  await insertConsumers(sql, [
    { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: daysBefore(16) },
    { id: 'search-1', name: 'indexer', owner_team: 'search', rotation_deadline: daysBefore(4) },
    { id: 'id-1', name: 'sso-bridge', owner_team: 'identity', rotation_deadline: daysBefore(1) },
  ]);
}

/** baseConfig with one post in flight at a time, so the order of posts is the order of teams. */
export function serialConfig(
  overrides: { slack?: Record<string, unknown>; teams?: Record<string, unknown> } & Record<string, unknown> = {},
) {
  const base = baseConfig();
  const { slack, teams, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    teams: { ...(base['teams'] as Record<string, unknown>), ...teams },
    slack: { ...(base['slack'] as Record<string, unknown>), concurrency: 1, ...slack },
  };
}
