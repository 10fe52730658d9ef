/**
 * The sweep's read (readOverdueConsumers feeding the planner) with and without a mapped
 * source.columns.lastSeenOnOldKey, at campaign sizes: N consumers over T teams, the default table
 * plus a timestamptz column: 60 % of the rows seen on the old key in the last 2 days (an overdue
 * consumer mostly still uses it), 30 % last seen 0–40 days ago, 10 % NULL (never in the log).
 * Deadlines 1–30 days ago, so every evidence case occurs.
 *   node .build/bench/last-seen.js 100k/2000 1M/10000   (TEST_DATABASE_URL set; build with tsc -p tsconfig.dev.json)
 */
import { DEFAULT_ANSWERS, DEFAULT_SOURCE } from '../src/config/defaults.js';
import type { SourceConfig } from '../src/config/types.js';
import { readOverdueConsumers } from '../src/db/consumers.js';
import { inspectSource } from '../src/db/source.js';
import { createPlanBuilder } from '../src/policy/plan.js';
import type { PlanOptions } from '../src/policy/types.js';
import { defaultTiers } from '../src/config/defaults.js';
import { startTestDatabase } from '../test/support/db.js';
import { parseSizes } from './options.js';
import { median } from './startup.js';

const NOW = new Date('2026-12-29T09:00:00Z');

async function measure(consumers: number, teams: number): Promise<void> {
  const db = await startTestDatabase();
  const { sql } = db;
  try {
    const seedStart = performance.now();
    await sql`alter table rotation_consumers add column last_seen_on_old_key timestamptz`;
    await sql`insert into rotation_consumers (id, name, owner_team, key_id, status, rotation_deadline, last_seen_on_old_key)
      select 'c-' || i, 'svc-' || i, 'team-' || ((i - 1) % ${teams}), 'key-1', 'pending',
             ${NOW}::timestamptz - make_interval(hours => 1 + ((hashint4(i) % 720 + 720) % 720)::int),
             case when pick.r < 60 then ${NOW}::timestamptz - make_interval(mins => ((hashint4(i + 13) % 2880 + 2880) % 2880)::int)
                  when pick.r < 90 then ${NOW}::timestamptz - make_interval(hours => ((hashint4(i + 13) % 960 + 960) % 960)::int) end
      from generate_series(1, ${consumers}) i, lateral (select ((hashint4(i + 7) % 100 + 100) % 100)::int as r) as pick`;
    await sql`vacuum analyze rotation_consumers`;
    const seedMs = performance.now() - seedStart;
    const runs = consumers >= 1_000_000 ? 3 : 5;
    for (const mapped of [false, true]) {
      const source: SourceConfig = mapped
        ? { ...DEFAULT_SOURCE, columns: { ...DEFAULT_SOURCE.columns, lastSeenOnOldKey: 'last_seen_on_old_key' } }
        : DEFAULT_SOURCE;
      const shape = await inspectSource(sql, source);
      const times: number[] = [];
      let counts = '';
      for (let i = 0; i < runs; i += 1) {
        const options: PlanOptions = {
          tiers: defaultTiers(),
          teams: {},
          pendingStatuses: source.pendingStatuses,
          idsUnique: shape.idIsUnique,
          evidence: mapped,
          ...(mapped
            ? {
                answers: {
                  byConsumer: new Map(),
                  settings: { claimGraceMs: 0, maxSnoozeMs: 0, quietMs: DEFAULT_ANSWERS.quietForMs, reactions: DEFAULT_ANSWERS.reactions },
                },
              }
            : {}),
        };
        const start = performance.now();
        const builder = createPlanBuilder(options, NOW);
        for await (const rows of readOverdueConsumers(sql, source, {
          now: NOW,
          hasSnoozedUntil: shape.hasSnoozedUntil,
          deadlineKind: shape.deadlineKind,
          snoozedUntilKind: shape.snoozedUntilKind,
          lastSeenKind: shape.lastSeenKind,
        })) {
          builder.addRows(rows);
        }
        const plan = builder.finish();
        times.push(performance.now() - start);
        const e = plan.evidence;
        counts = e ? `${e.seenAfterDeadline.toLocaleString('en')} / ${e.looksDone.toLocaleString('en')}` : '—';
      }
      times.sort((a, b) => a - b);
      console.log(
        `| ${consumers.toLocaleString('en')} | ${teams.toLocaleString('en')} | ${mapped ? 'mapped' : 'not mapped'} | ${(median(times) / 1000).toFixed(2)} s | ${(times[0]! / 1000).toFixed(2)}–${(times.at(-1)! / 1000).toFixed(2)} s (${runs} runs) | ${counts} | ${(seedMs / 1000).toFixed(1)} s |`,
      );
    }
  } finally {
    await db.stop();
  }
}

const sizes = parseSizes(process.argv.slice(2).join(','));
console.log('| consumers | teams | lastSeenOnOldKey | read + plan, median | range | seen after deadline / looks done | seed |');
console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: |');
for (const size of sizes) await measure(size.consumers, size.teams);
