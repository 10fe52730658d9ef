import { DAY_MS, HOUR_MS } from '../config/duration.js';
import type { Sql } from '../db/connect.js';

interface DemoConsumer {
  id: string;
  name: string;
  team: string;
  key: string;
  /** How far past its deadline at `now` (negative: not yet due). Hours keep rows off tier boundaries. */
  overdue: { days: number; hours: number };
  status?: 'confirmed' | 'exempt';
  snoozedForDays?: number;
  /** chaser's memory of earlier runs: nudged `count` times, the last one `hoursAgo`. */
  nudged?: { count: number; hoursAgo: number; firstDaysAgo: number; tier: string };
}

const PAYMENTS_KEY = 'kms/payments-signing-2026-01';
const IDENTITY_KEY = 'vault/identity-jwt-signing-2025-12';
const SEARCH_KEY = 'kms/search-indexer-2026-01';
const MOBILE_KEY = 'apns/mobile-push-2025';
const DATA_KEY = 'kms/data-platform-etl-2026-01';
const ML_KEY = 'gcp-sa/ml-research-training-2025-11';

/**
 * One campaign in mid-flight, covering every case a sweep meets: each tier of the default ladder
 * (gentle 0–3 d, firm 3–7 d, urgent 7–14 d, critical 14+ d), a consumer that moved (confirmed), one
 * excused (exempt), one snoozed, one not yet due, one nudged three hours ago (waiting for its
 * cadence), one nudged long enough ago to be due again, and a team with no route (ml-research).
 */
const DEMO_CONSUMERS: DemoConsumer[] = [
  {
    id: 'payments/checkout-api',
    name: 'checkout-api',
    team: 'payments',
    key: PAYMENTS_KEY,
    overdue: { days: 16, hours: 3 },
    nudged: { count: 3, hoursAgo: 13, firstDaysAgo: 15, tier: 'critical' },
  },
  { id: 'payments/refunds-worker', name: 'refunds-worker', team: 'payments', key: PAYMENTS_KEY, overdue: { days: 9, hours: 5 } },
  { id: 'payments/ledger-reconciler', name: 'ledger-reconciler', team: 'payments', key: PAYMENTS_KEY, overdue: { days: 1, hours: 2 } },
  {
    id: 'payments/payouts-batch',
    name: 'payouts-batch',
    team: 'payments',
    key: PAYMENTS_KEY,
    overdue: { days: 10, hours: 0 },
    status: 'confirmed',
  },
  { id: 'identity/auth-gateway', name: 'auth-gateway', team: 'identity', key: IDENTITY_KEY, overdue: { days: 4, hours: 6 } },
  {
    id: 'identity/session-service',
    name: 'session-service',
    team: 'identity',
    key: IDENTITY_KEY,
    overdue: { days: 5, hours: 1 },
    nudged: { count: 2, hoursAgo: 3, firstDaysAgo: 4, tier: 'firm' },
  },
  {
    id: 'identity/sso-bridge',
    name: 'sso-bridge (legacy SAML)',
    team: 'identity',
    key: IDENTITY_KEY,
    overdue: { days: 20, hours: 0 },
    status: 'exempt',
  },
  { id: 'identity/scim-sync', name: 'scim-sync', team: 'identity', key: IDENTITY_KEY, overdue: { days: 0, hours: 4 } },
  { id: 'search/indexer-cron', name: 'indexer-cron', team: 'search', key: SEARCH_KEY, overdue: { days: 2, hours: 20 } },
  { id: 'search/query-frontend', name: 'query-frontend', team: 'search', key: SEARCH_KEY, overdue: { days: 21, hours: 7 } },
  {
    id: 'mobile/ios-push-relay',
    name: 'ios-push-relay',
    team: 'mobile',
    key: MOBILE_KEY,
    overdue: { days: 8, hours: 2 },
    snoozedForDays: 2,
  },
  { id: 'mobile/android-fcm-sender', name: 'android-fcm-sender', team: 'mobile', key: MOBILE_KEY, overdue: { days: 3, hours: 1 } },
  {
    id: 'data-platform/airflow-scheduler',
    name: 'airflow-scheduler',
    team: 'data-platform',
    key: DATA_KEY,
    overdue: { days: 6, hours: 12 },
  },
  { id: 'data-platform/kafka-connect-s3', name: 'kafka-connect-s3', team: 'data-platform', key: DATA_KEY, overdue: { days: -3, hours: 0 } },
  { id: 'data-platform/dbt-runner', name: 'dbt-runner', team: 'data-platform', key: DATA_KEY, overdue: { days: 15, hours: 9 } },
  { id: 'data-platform/metabase-export', name: 'metabase-export', team: 'data-platform', key: DATA_KEY, overdue: { days: 7, hours: 2 } },
  { id: 'ml-research/notebook-gateway', name: 'notebook-gateway', team: 'ml-research', key: ML_KEY, overdue: { days: 11, hours: 0 } },
  { id: 'ml-research/feature-store-sync', name: 'feature-store-sync', team: 'ml-research', key: ML_KEY, overdue: { days: 2, hours: 1 } },
];

/**
 * Fills the default inventory table (and chaser's nudge memory) with the sample campaign, dated
 * relative to `now` so the demo looks the same whenever it runs. Expects a migrated, empty database.
 */
export async function seedDemo(sql: Sql, now: Date): Promise<void> {
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const consumers = DEMO_CONSUMERS.map((c) => ({
    id: c.id,
    name: c.name,
    owner_team: c.team,
    key_id: c.key,
    status: c.status ?? 'pending',
    rotation_deadline: at(c.overdue.days * DAY_MS + c.overdue.hours * HOUR_MS),
    snoozed_until: c.snoozedForDays === undefined ? null : at(-c.snoozedForDays * DAY_MS),
  }));
  const states = DEMO_CONSUMERS.flatMap((c) =>
    c.nudged
      ? [
          {
            consumer_id: c.id,
            nudge_count: c.nudged.count,
            first_nudged_at: at(c.nudged.firstDaysAgo * DAY_MS),
            last_nudged_at: at(c.nudged.hoursAgo * HOUR_MS),
            last_tier: c.nudged.tier,
          },
        ]
      : [],
  );
  await sql.begin(async (tx) => {
    await tx`insert into rotation_consumers ${tx(consumers)}`;
    await tx`insert into chaser_nudge_state ${tx(states)}`;
  });
}
