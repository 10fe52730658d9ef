/**
 * The escalation's inventory answers (observeInventoryResponses: a nudged consumer no longer
 * pending, or snoozed past its last nudge) at campaign sizes: N consumers over T teams, every one
 * nudged once, 30 % since confirmed and 5 % snoozed. Timed: the first run that sees the changes
 * (records them), then steady-state runs (nothing new: only the anti-join), then the activity
 * query that reads them back, all teams asked for.
 *   node .build/bench/inventory-responses.js 100k/2000 1M/10000   (TEST_DATABASE_URL set)
 */
import { validateConfig } from '../src/config/schema.js';
import { observeInventoryResponses, readTeamActivity } from '../src/db/escalations.js';
import { startTestDatabase } from '../test/support/db.js';
import { parseSizes } from './options.js';
import { median } from './startup.js';

const RUNS = 5;
const NOW = new Date('2026-12-29T09:00:00Z');

async function measure(consumers: number, teams: number): Promise<void> {
  const validated = validateConfig({});
  if (!validated.ok) throw new Error(validated.errors.join('\n'));
  const source = validated.config.source;
  const shape = { hasSnoozedUntil: true, snoozedUntilKind: 'instant' as const };
  const db = await startTestDatabase();
  const { sql } = db;
  try {
    const seedStart = performance.now();
    await sql`insert into rotation_consumers (id, name, owner_team, key_id, status, rotation_deadline, snoozed_until)
      select 'c-' || i, 'svc-' || i, 'team-' || ((i - 1) % ${teams}), 'key-1',
             case when i % 10 < 3 then 'confirmed' else 'pending' end, ${NOW}::timestamptz - interval '10 days',
             case when i % 20 = 5 then ${NOW}::timestamptz + interval '3 days' end
      from generate_series(1, ${consumers}) i`;
    await sql`insert into chaser_nudge_state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
      select 'c-' || i, 1, ${NOW}::timestamptz - interval '2 days', ${NOW}::timestamptz - interval '2 days', 'firm'
      from generate_series(1, ${consumers}) i`;
    await sql`analyze`;
    const seedMs = performance.now() - seedStart;
    const names = Array.from({ length: teams }, (_, t) => `team-${t}`);
    const options = { teams: names, now: NOW, record: { runId: undefined } };
    const firstStart = performance.now();
    const seen = await observeInventoryResponses(sql, source, shape, options);
    const firstMs = performance.now() - firstStart;
    const [recorded] = await sql<{ n: number }[]>`select count(*)::int as n from chaser_inventory_responses`;
    await sql`analyze chaser_inventory_responses`;
    const steady: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const start = performance.now();
      await observeInventoryResponses(sql, source, shape, options);
      steady.push(performance.now() - start);
    }
    const activity: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const start = performance.now();
      await readTeamActivity(sql, names, '', NOW);
      activity.push(performance.now() - start);
    }
    console.log(
      `| ${consumers.toLocaleString('en')} | ${teams.toLocaleString('en')} | ${recorded!.n.toLocaleString('en')} (${seen.size} teams) | ${firstMs.toFixed(0)} ms | ${median(steady).toFixed(0)} ms | ${median(activity).toFixed(0)} ms | ${(seedMs / 1000).toFixed(1)} s |`,
    );
  } finally {
    await db.stop();
  }
}

const sizes = parseSizes(process.argv.slice(2).join(','));
console.log('| consumers | teams | answers recorded | first run | steady run (median of 5) | activity query (median of 5) | seed |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) await measure(size.consumers, size.teams);
