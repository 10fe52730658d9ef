import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { readOverdueConsumers } from '../../src/db/consumers.js';
import { demoConfigInput } from '../../src/demo/config.js';
import { seedDemo } from '../../src/demo/seed.js';
import { planSweep } from '../../src/policy/plan.js';
import type { ConsumerRow, Plan } from '../../src/policy/types.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';
import { NOW } from '../support/clock.js';

describe(`the demo campaign (seedDemo + demoConfigInput) on ${backend}`, () => {
  let db: TestDatabase;
  let config: Config;
  let rows: ConsumerRow[];
  let plan: Plan;

  beforeAll(async () => {
    db = await startTestDatabase();
    await seedDemo(db.sql, NOW);
    config = configFromObject(demoConfigInput, 'the demo config');
    rows = [];
    for await (const batch of readOverdueConsumers(db.sql, config.source, { now: NOW, hasSnoozedUntil: true })) rows.push(...batch);
    plan = planSweep(
      rows,
      { tiers: config.tiers, teams: config.teams, fallbackChannel: config.fallbackChannel, pendingStatuses: config.source.pendingStatuses },
      NOW,
    );
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('is a valid config on the default ladder, with a fallback channel and the digest in #security-rotation', () => {
    expect(config.tiers.map((t) => t.name)).toEqual(['gentle', 'firm', 'urgent', 'critical']);
    expect(config.fallbackChannel).toBeDefined();
    expect(config.digest).toEqual({ channel: '#security-rotation' });
  });

  it('has consumers outstanding in every tier of the ladder', () => {
    for (const tier of config.tiers) expect(plan.byTier[tier.name], tier.name).toBeGreaterThan(0);
  });

  it('leaves out the confirmed, the exempt and the not-yet-due consumers', async () => {
    const statuses = await db.sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from rotation_consumers group by status order by status`;
    expect(statuses.map((s) => s.status)).toEqual(['confirmed', 'exempt', 'pending']);
    const [future] = await db.sql<{ id: string }[]>`select id from rotation_consumers where rotation_deadline > ${NOW}`;
    const ids = rows.map((r) => r.id);
    expect(future).toBeDefined();
    expect(ids).not.toContain(future!.id);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(plan.outstanding).toBe(rows.length);
  });

  it('has one snoozed consumer, one waiting for its cadence, and one nudged before that is due again', () => {
    const summaries = plan.summaries;
    expect(summaries.reduce((n, s) => n + s.snoozed, 0)).toBe(1);
    expect(summaries.reduce((n, s) => n + s.waiting, 0)).toBe(1);
    const nudgedNow = new Set(plan.teams.flatMap((team) => team.nudges.ids()));
    const dueAgain = rows.filter((row) => row.state !== null && nudgedNow.has(row.id));
    expect(dueAgain.map((row) => row.id)).toEqual(['payments/checkout-api']);
  });

  it('routes most teams to their channel and one team, missing from the config, to the fallback channel', () => {
    const routes = Object.fromEntries(plan.summaries.map((s) => [s.team, s.route.kind]));
    expect(routes).toEqual({
      payments: 'team',
      identity: 'team',
      search: 'team',
      mobile: 'team',
      'data-platform': 'team',
      'ml-research': 'fallback',
    });
  });

  it('uses realistic names and key ids', () => {
    expect(rows.map((r) => r.keyId)).toContain('kms/payments-signing-2026-01');
    expect(rows.every((r) => r.name && r.team && r.keyId)).toBe(true);
  });
});
