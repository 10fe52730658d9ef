/**
 * The escalation/budget activity query (readTeamActivity) at campaign sizes: N consumers over T
 * teams, D days of daily nudges per team already in chaser_team_messages, an answer from half the
 * teams, an escalation for a tenth. The query reads no consumer row (its cost follows teams and
 * messages); consumers are seeded anyway so the database is the size a campaign's is.
 *   node .build/bench/activity.js 100k/1000 1M/10000   (TEST_DATABASE_URL set)
 */
import { readTeamActivity } from '../src/db/escalations.js';
import { startTestDatabase } from '../test/support/db.js';
import { parseSizes } from './options.js';
import { median } from './startup.js';

const DAYS = 28;
const RUNS = 7;
const NOW = new Date('2026-12-29T09:00:00Z');

async function measure(consumers: number, teams: number): Promise<void> {
  const db = await startTestDatabase();
  const { sql } = db;
  try {
    const seedStart = performance.now();
    await sql`insert into rotation_consumers (id, name, owner_team, key_id, status, rotation_deadline)
      select 'c-' || i, 'svc-' || i, 'team-' || ((i - 1) % ${teams}), 'key-1', 'pending', ${NOW}::timestamptz - interval '10 days'
      from generate_series(1, ${consumers}) i`;
    const [run] = await sql<{ id: string }[]>`insert into chaser_runs (command, as_of) values ('sweep', ${NOW}) returning id::text as id`;
    await sql`insert into chaser_team_messages (team, channel, ts, kind, sent_at, run_id)
      select 'team-' || t, 'C' || t, d || '.' || t, 'nudge', ${NOW}::timestamptz - make_interval(days => d), ${run!.id}::bigint
      from generate_series(0, ${teams - 1}) t, generate_series(1, ${DAYS}) d`;
    await sql`insert into chaser_threads (team, channel, parent_ts, opened_at)
      select 'team-' || t, 'C' || t, '1.' || t, ${NOW}::timestamptz - interval '28 days' from generate_series(0, ${teams - 1}) t`;
    await sql`insert into chaser_ack_events (thread_id, team, kind, source, actor, message_ts, body, recorded_at)
      select th.id, th.team, 'response', 'reply', 'U0PERSON', '2.' || th.id, 'on it', ${NOW}::timestamptz - interval '9 days'
      from chaser_threads th where th.id % 2 = 0`;
    await sql`insert into chaser_escalations (team, step, target, ignored, ignored_since, channel, ts, escalated_at)
      select 'team-' || t, 1, 'lead', 4, ${NOW}::timestamptz - interval '20 days', 'C0SEC', '3.' || t, ${NOW}::timestamptz - interval '16 days'
      from generate_series(0, ${teams - 1}) t where t % 10 = 0`;
    await sql`analyze`;
    const seedMs = performance.now() - seedStart;
    const names = Array.from({ length: teams }, (_, t) => `team-${t}`);
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const start = performance.now();
      rows = (await readTeamActivity(sql, names, '', NOW)).size;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(
      `| ${consumers.toLocaleString('en')} | ${teams.toLocaleString('en')} | ${(teams * DAYS).toLocaleString('en')} | ${rows} | ${median(times).toFixed(0)} ms | ${times[0]!.toFixed(0)}–${times.at(-1)!.toFixed(0)} ms | ${(seedMs / 1000).toFixed(1)} s |`,
    );
  } finally {
    await db.stop();
  }
}

const sizes = parseSizes(process.argv.slice(2).join(','));
console.log('| consumers | teams | team messages | rows read | median | range (7 runs) | seed |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) await measure(size.consumers, size.teams);
