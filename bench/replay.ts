import { performance } from 'node:perf_hooks';
import type { Config } from '../src/config/types.js';
import { readOverdueConsumers } from '../src/db/consumers.js';
import type { Sql } from '../src/db/connect.js';
import { recordNudges } from '../src/db/nudges.js';
import { startRun } from '../src/db/runs.js';
import { createPlanBuilder } from '../src/policy/plan.js';
import { BENCH_NOW } from './scratch-db.js';

/**
 * chaser's own database functions, called directly from the bench with nothing else around them:
 * what a sweep's SQL costs as chaser issues it (casts, ORDER BY, cursor, one write per team),
 * to set beside the floor. The CLI runs add startup, config, planning, rendering and Slack.
 */

/** chaser's read (readOverdueConsumers), every batch dropped as it arrives. */
export async function replayRead(sql: Sql, config: Config): Promise<{ readMs: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  for await (const batch of readOverdueConsumers(sql, config.source, { now: BENCH_NOW, hasSnoozedUntil: true })) rows += batch.length;
  return { readMs: performance.now() - started, rows };
}

/** chaser's read feeding chaser's planner, as the pipeline does: read + plan, without the CLI around it. */
export async function replayReadAndPlan(sql: Sql, config: Config): Promise<{ ms: number; teamsDue: number; due: number }> {
  const started = performance.now();
  const builder = createPlanBuilder(
    // idsUnique: the bench table's id is its primary key, as the pipeline finds out from the catalog.
    { tiers: config.tiers, teams: config.teams, pendingStatuses: config.source.pendingStatuses, idsUnique: true },
    BENCH_NOW,
  );
  for await (const batch of readOverdueConsumers(sql, config.source, { now: BENCH_NOW, hasSnoozedUntil: true })) builder.addRows(batch);
  const plan = builder.finish();
  return { ms: performance.now() - started, teamsDue: plan.teams.length, due: plan.teams.reduce((n, t) => n + t.dueCount, 0) };
}

/**
 * chaser's write (recordNudges), one statement per team as a sweep issues them, one after the
 * other. The per-team id lists are gathered first (not timed), with the same tiers the floor uses.
 */
export async function replayWrites(
  sql: Sql,
  channelOf: (team: string) => string,
): Promise<{ writeMs: number; statements: number; rows: number }> {
  const teams = await sql<{ team: string; ids: string[]; tiers: string[] }[]>`
    select c.owner_team as team,
           array_agg(c.id order by c.rotation_deadline, c.id) as ids,
           array_agg(case when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '14 days' then 'critical'
                          when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '7 days' then 'urgent'
                          when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '3 days' then 'firm'
                          else 'gentle' end order by c.rotation_deadline, c.id) as tiers
    from rotation_consumers c
    where c.status = 'pending' and c.rotation_deadline < ${BENCH_NOW}::timestamptz
      and (c.snoozed_until is null or c.snoozed_until <= ${BENCH_NOW}::timestamptz)
    group by c.owner_team`;
  const started = performance.now();
  const runId = await startRun(sql, { command: 'sweep', now: BENCH_NOW, filters: {} });
  let rows = 0;
  for (const team of teams) {
    rows += await recordNudges(sql, { runId, now: BENCH_NOW }, [
      { team: team.team, channel: channelOf(team.team), messageTs: '1773133200.000100', ids: team.ids, tiers: team.tiers },
    ]);
  }
  return { writeMs: performance.now() - started, statements: teams.length + 1, rows };
}
