import type { SourceConfig } from '../config/types.js';
import type { Sql } from './connect.js';
import { printable, printableOrNull } from '../printable.js';
import { setInstantOf } from './source.js';

export interface EvidenceFilter {
  keyId: string;
  from?: Date;
  to?: Date;
}

/** What chaser knows of a key at all: inventory rows, tracked consumers, snapshots. */
export async function readCampaignPresence(
  sql: Sql,
  source: SourceConfig,
  filter: EvidenceFilter,
): Promise<{ known: boolean; runs: number; nudges: number }> {
  const c = source.columns;
  const [row] = await sql<{ known: boolean; runs: number; nudges: number }[]>`
    select (exists (select 1 from ${sql(source.table)} as consumer where consumer.${sql(c.keyId)}::text = ${filter.keyId}::text)
            or exists (select 1 from chaser_tracked_consumers where key_id = ${filter.keyId}::text)
            or exists (select 1 from chaser_snapshots where key_id = ${filter.keyId}::text)) as known,
           (select count(*)::int from chaser_runs r where ${runCovers(sql, filter)}) as runs,
           (select count(*)::int from chaser_nudge_log l where ${nudgeOf(sql, source, filter)}) as nudges`;
  return row ?? { known: false, runs: 0, nudges: 0 };
}

export interface EvidenceConsumer {
  id: string;
  name: string | null;
  team: string | null;
  deadline: Date | null;
  /** The inventory's status now; null when the consumer is no longer in the inventory. */
  status: string | null;
  nudge_count: number | null;
  first_nudged_at: Date | null;
  last_nudged_at: Date | null;
  how: string | null;
  left_at: Date | null;
}

/**
 * Every consumer of the campaign: the inventory's rows of the key, and the nudged ones since
 * removed from it (remembered in chaser_tracked_consumers), with chaser's state and the latest
 * resolution. Streamed by a cursor: bounded memory however large the campaign.
 */
export function streamCampaignConsumers(
  sql: Sql,
  source: SourceConfig,
  filter: EvidenceFilter,
  batch = 5000,
): AsyncIterable<EvidenceConsumer[]> {
  const c = source.columns;
  // The evidence command does not inspect the column's type: read every kind through its text form (ISO, UTC when zoneless).
  const deadline = setInstantOf(sql, c.deadline, 'text');
  return sql<EvidenceConsumer[]>`
    with members as (
      select consumer.${sql(c.id)}::text as id, consumer.${sql(c.name)}::text as name, consumer.${sql(c.team)}::text as team,
             ${deadline} as deadline, consumer.${sql(c.status)}::text as status
      from ${sql(source.table)} as consumer
      where consumer.${sql(c.keyId)}::text = ${filter.keyId}::text
      union all
      select t.consumer_id, t.name, t.team, t.deadline, null
      from chaser_tracked_consumers t
      where t.key_id = ${filter.keyId}::text
        and not exists (select 1 from ${sql(source.table)} as consumer where consumer.${sql(c.id)}::text = t.consumer_id)
    ),
    latest as (
      select distinct on (consumer_id) consumer_id, how, left_at
      from chaser_resolutions where key_id = ${filter.keyId}::text
      order by consumer_id, left_at desc, id desc
    )
    select m.id, m.name, m.team, m.deadline, m.status, s.nudge_count, s.first_nudged_at, s.last_nudged_at, r.how, r.left_at
    from members m
    left join chaser_nudge_state s on s.consumer_id = m.id
    left join latest r on r.consumer_id = m.id
    order by m.id`.cursor(batch);
}

export interface EvidenceNudge {
  id: string;
  run_id: string;
  nudged_at: Date;
  consumer_id: string;
  team: string;
  tier: string;
  channel: string;
  message_ts: string;
}

/** Every logged nudge of the campaign's consumers in the window, in log order (the chain's order). */
export function streamCampaignNudges(sql: Sql, source: SourceConfig, filter: EvidenceFilter, batch = 5000): AsyncIterable<EvidenceNudge[]> {
  return sql<EvidenceNudge[]>`
    select l.id::text, l.run_id::text, l.nudged_at, l.consumer_id, l.team, l.tier, l.channel, l.message_ts
    from chaser_nudge_log l
    where ${nudgeOf(sql, source, filter)}
    order by l.id`.cursor(batch);
}

export interface EvidenceRun {
  id: string;
  command: string;
  as_of: Date;
  started_at: Date;
  finished_at: Date | null;
  chaser_version: string | null;
  config_hash: string | null;
  exit_code: number | null;
  outcome: string | null;
}

/** Runs that covered the campaign (no --key, or this key) in the window. */
export function streamCampaignRuns(sql: Sql, filter: EvidenceFilter, batch = 5000): AsyncIterable<EvidenceRun[]> {
  return sql<EvidenceRun[]>`
    select r.id::text, r.command, r.as_of, r.started_at, r.finished_at, r.chaser_version, r.config_hash, r.exit_code, r.outcome
    from chaser_runs r
    where ${runCovers(sql, filter)}
    order by r.id`.cursor(batch);
}

function runCovers(sql: Sql, filter: EvidenceFilter) {
  return sql`(r.filters->>'keyId' is null or r.filters->>'keyId' = ${filter.keyId}::text)
    and (${filter.from ?? null}::timestamptz is null or r.as_of >= ${filter.from ?? null}::timestamptz)
    and (${filter.to ?? null}::timestamptz is null or r.as_of <= ${filter.to ?? null}::timestamptz)`;
}

function nudgeOf(sql: Sql, source: SourceConfig, filter: EvidenceFilter) {
  return sql`l.consumer_id in (${campaignMembers(sql, source, filter)})
    and (${filter.from ?? null}::timestamptz is null or l.nudged_at >= ${filter.from ?? null}::timestamptz)
    and (${filter.to ?? null}::timestamptz is null or l.nudged_at <= ${filter.to ?? null}::timestamptz)`;
}

export interface EvidenceAnswer {
  id: string;
  recorded_at: Date;
  run_id: string | null;
  consumer_id: string | null;
  team: string;
  kind: string;
  source: string;
  actor: string;
  channel: string;
  message_ts: string;
  body: string;
  until_at: Date | null;
  detail: string | null;
}

/**
 * Every answer read back from Slack for the campaign in the window, in the order recorded (the
 * answer chain's order): the answers about a consumer of the campaign, and the answers about no
 * consumer (a plain response, a refusal) made in a thread of the campaign, or in an all-keys
 * thread of a team that was chased there about a consumer of the campaign. Streamed by a cursor.
 * What people wrote is made printable here, where it is read (Slack's text is untrusted even once
 * recorded); ids stay exact, as in nudges.csv, so the files join.
 */
export async function* streamCampaignAnswers(
  sql: Sql,
  source: SourceConfig,
  filter: EvidenceFilter,
  batch = 5000,
): AsyncIterable<EvidenceAnswer[]> {
  const cursor = sql<EvidenceAnswer[]>`
    with members as (${campaignMembers(sql, source, filter)}),
    -- Per team and channel, the last nudge about a consumer of the campaign: one pass over the log,
    -- made only when an answer naming no consumer is met.
    chased as materialized (
      select l.team, l.channel, max(l.nudged_at) as last_nudged_at
      from chaser_nudge_log l where l.consumer_id in (select id from members)
      group by l.team, l.channel
    ),
    campaign_threads as (
      select t.id from chaser_threads t where t.campaign = ${filter.keyId}::text
      union
      select t.id from chaser_threads t
      join chased c on c.team = t.team and c.channel = t.channel and c.last_nudged_at >= t.opened_at
      where t.campaign = ''
    )
    select e.id::text, e.recorded_at, e.run_id::text, e.consumer_id, e.team, e.kind, e.source, e.actor, t.channel,
           e.message_ts, e.body, e.until_at, e.detail
    from chaser_ack_events e
    join chaser_threads t on t.id = e.thread_id
    -- Joins, not IN (…) inside the CASE: a subplan hashes only while it fits in work_mem, and a
    -- campaign of a million members would otherwise be scanned once per answer.
    left join members m on m.id = e.consumer_id
    left join campaign_threads ct on ct.id = e.thread_id
    where (case when e.consumer_id is not null then m.id is not null else ct.id is not null end)
      and (${filter.from ?? null}::timestamptz is null or e.recorded_at >= ${filter.from ?? null}::timestamptz)
      and (${filter.to ?? null}::timestamptz is null or e.recorded_at <= ${filter.to ?? null}::timestamptz)
    order by e.id`.cursor(batch);
  for await (const rows of cursor) {
    yield rows.map((row) => ({
      ...row,
      actor: printable(row.actor),
      body: printable(row.body),
      detail: printableOrNull(row.detail),
    }));
  }
}

/** The ids of the campaign's consumers: the inventory's rows of the key, and the tracked ones since removed. */
function campaignMembers(sql: Sql, source: SourceConfig, filter: EvidenceFilter) {
  const c = source.columns;
  return sql`
      select consumer.${sql(c.id)}::text as id from ${sql(source.table)} as consumer where consumer.${sql(c.keyId)}::text = ${filter.keyId}::text
      union
      select t.consumer_id from chaser_tracked_consumers t where t.key_id = ${filter.keyId}::text`;
}
