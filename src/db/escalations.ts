import { DAY_MS } from '../config/duration.js';
import type { SourceConfig } from '../config/types.js';
import type { TeamActivityRow } from '../policy/escalation-plan.js';
import type { Sql } from './connect.js';
import { setInstantOf, type SourceShape } from './source.js';

export interface InventoryResponseOptions {
  teams: readonly string[];
  now: Date;
  /** Record what was seen (sweep, digest); without it (dry-run) only return it. */
  record: { runId: string | undefined } | undefined;
}

/**
 * The team's answers in the inventory, in ONE statement: every consumer chaser nudged whose status
 * is no longer pending (done, exempt, any other) or that is snoozed until after its last nudge,
 * and whose change no earlier run saw (chaser_inventory_marks marks it seen). Recorded (with this run's instant) when `record` is given.
 * Returns the teams with a change first seen now. A consumer removed from the inventory is not
 * seen here (its team is unknown to the inventory); its resolution is recorded as ever.
 */
export async function observeInventoryResponses(
  sql: Sql,
  source: SourceConfig,
  shape: Pick<SourceShape, 'hasSnoozedUntil' | 'snoozedUntilKind'>,
  options: InventoryResponseOptions,
): Promise<Set<string>> {
  if (options.teams.length === 0) return new Set();
  const c = source.columns;
  const snoozedPast =
    shape.hasSnoozedUntil && shape.snoozedUntilKind
      ? sql`or ${setInstantOf(sql, c.snoozedUntil, shape.snoozedUntilKind)} > s.last_nudged_at`
      : sql``;
  const teams = sql`unnest(${[...options.teams]}::text[]) as t(team)`;
  const isPending = sql`coalesce(consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[]), false)`;
  const how = sql`case when ${isPending} then 'snooze' else 'status' end`;
  // Joined to the run's teams (a hash join), never `= any(array)`: that is a linear search per row.
  // The mark (chaser_inventory_marks) says which nudge's answer is already recorded, so steady runs
  // skip those without re-checking the table they insert into.
  const changed = sql`
      from chaser_nudge_state s
      join ${sql(source.table)} as consumer on consumer.${sql(c.id)}::text = s.consumer_id
      join ${teams} on consumer.${sql(c.team)}::text = t.team
      left join chaser_inventory_marks m on m.consumer_id = s.consumer_id
      where s.last_nudged_at <= ${options.now}::timestamptz
        and m.answer_for is distinct from s.last_nudged_at
        and (not ${isPending} ${snoozedPast})`;
  const rows = options.record
    ? await sql<{ team: string }[]>`
        with seen as (
          select s.consumer_id, t.team, ${how} as how, s.last_nudged_at ${changed}
        )
        , marked as (
          insert into chaser_inventory_marks (consumer_id, answer_for)
          select consumer_id, last_nudged_at from seen
          on conflict (consumer_id) do update set answer_for = excluded.answer_for
        )
        , recorded as (
          insert into chaser_inventory_responses (consumer_id, team, how, after_nudge_at, seen_at, run_id)
          select consumer_id, team, how, last_nudged_at, ${options.now}::timestamptz, ${options.record.runId ?? null}::bigint from seen
          on conflict (consumer_id, after_nudge_at) do nothing
          returning team
        )
        select distinct team from recorded`
    : await sql<{ team: string }[]>`select distinct t.team ${changed}`;
  return new Set(rows.map((row) => row.team));
}

interface ActivityDbRow {
  team: string;
  sent_in_week: number;
  last_response: Date | null;
  nudged_at: Date[];
  escalated_at: Date | null;
  step: number | null;
}

/**
 * Every given team's activity in ONE statement: chaser messages in the last 7 days (all
 * campaigns), the latest answer — from a person in the thread (chaser_ack_events holds people only; an answer refused
 * because its author may not answer for the team is no answer; one not understood still is) or in the
 * inventory (chaser_inventory_responses: a status change, a new snooze) —, the nudges since then and the campaign's latest escalation. Indexed lookups per
 * team, so its cost follows the teams in the plan, not the consumers.
 */
export async function readTeamActivity(
  sql: Sql,
  teams: readonly string[],
  campaign: string,
  now: Date,
): Promise<Map<string, TeamActivityRow>> {
  if (teams.length === 0) return new Map();
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
  const rows = await sql<ActivityDbRow[]>`
    select t.team,
           (select count(*)::int from chaser_team_messages m
             where m.team = t.team and m.sent_at > ${weekAgo}::timestamptz and m.sent_at <= ${now}::timestamptz) as sent_in_week,
           r.last_response,
           coalesce((select array_agg(m.sent_at order by m.sent_at) from chaser_team_messages m
             where m.team = t.team and m.kind = 'nudge' and m.sent_at <= ${now}::timestamptz
               and m.sent_at > coalesce(r.last_response, '-infinity'::timestamptz)), '{}') as nudged_at,
           e.escalated_at, e.step
    from unnest(${[...teams]}::text[]) as t(team)
    left join lateral (
      select greatest(
        (select max(a.recorded_at) from chaser_ack_events a
          where a.team = t.team and coalesce(a.detail, '') <> 'not-allowed' and a.recorded_at <= ${now}::timestamptz),
        (select max(i.seen_at) from chaser_inventory_responses i
          where i.team = t.team and i.seen_at <= ${now}::timestamptz)
      ) as last_response
    ) r on true
    left join lateral (
      select x.escalated_at, x.step from chaser_escalations x
      where x.team = t.team and x.campaign = ${campaign}
      order by x.escalated_at desc, x.step desc limit 1
    ) e on true`;
  return new Map(
    rows.map((row) => [
      row.team,
      {
        sentInWeek: row.sent_in_week,
        nudgedAt: row.nudged_at.map((d) => new Date(d)),
        respondedAt: row.last_response ? [row.last_response] : [],
        lastEscalation: row.escalated_at && row.step !== null ? { at: row.escalated_at, step: row.step } : null,
      },
    ]),
  );
}

export interface EscalationRecord {
  team: string;
  campaign: string;
  step: number;
  target: string;
  ignored: number;
  ignoredSince: Date;
  channel: string;
  ts: string;
  runId: string | undefined;
  now: Date;
}

/**
 * Records an escalation Slack accepted, and its message in the team's count, in one statement.
 * A step of a silence is recorded once (the unique index): after a kill between post and record
 * the next run posts it once more and records it then.
 */
export async function recordEscalation(sql: Sql, e: EscalationRecord): Promise<void> {
  await sql`
    with logged as (
      insert into chaser_escalations (team, campaign, step, target, ignored, ignored_since, channel, ts, run_id, escalated_at)
      values (${e.team}, ${e.campaign}, ${e.step}, ${e.target}, ${e.ignored}, ${e.ignoredSince}::timestamptz,
              ${e.channel}, ${e.ts}, ${e.runId ?? null}::bigint, ${e.now}::timestamptz)
      on conflict (team, campaign, ignored_since, step) do nothing
      returning team, channel, ts
    )
    insert into chaser_team_messages (team, channel, ts, kind, sent_at, run_id)
    select team, channel, ts, 'escalation', ${e.now}::timestamptz, ${e.runId ?? null}::bigint from logged`;
}
