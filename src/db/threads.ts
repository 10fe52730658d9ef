import type { AckEvent, AckKind, NewAckEvent } from '../policy/answers/types.js';
import type { SourceConfig } from '../config/types.js';
import type { Sql } from './connect.js';

/** One living thread (chaser_threads), as the harvest and the nudges need it. */
export interface ThreadRow {
  id: string;
  team: string;
  campaign: string;
  channel: string;
  parentTs: string;
  permalink: string | null;
  openedAt: Date;
  lastTier: string | null;
  lastNudgedAt: Date | null;
  replyCursor: string | null;
  seenReplyCount: number;
  seenLatestReply: string | null;
  confirmedEventId: string;
  /** Opened in the fallbackChannel: moved to the team's own channel once it has one that takes the post. */
  inFallback: boolean;
}

export type CloseReason = 'all-done' | 'expired' | 'parent-deleted' | 'locked' | 'rerouted';

interface ThreadDbRow {
  id: string;
  team: string;
  campaign: string;
  channel: string;
  parent_ts: string;
  permalink: string | null;
  opened_at: Date;
  last_tier: string | null;
  last_nudged_at: Date | null;
  reply_cursor: string | null;
  seen_reply_count: number;
  seen_latest_reply: string | null;
  confirmed_event_id: string;
  in_fallback: boolean;
}

const toThread = (row: ThreadDbRow): ThreadRow => ({
  id: String(row.id),
  team: row.team,
  campaign: row.campaign,
  channel: row.channel,
  parentTs: row.parent_ts,
  permalink: row.permalink,
  openedAt: row.opened_at,
  lastTier: row.last_tier,
  lastNudgedAt: row.last_nudged_at,
  replyCursor: row.reply_cursor,
  seenReplyCount: row.seen_reply_count,
  seenLatestReply: row.seen_latest_reply,
  confirmedEventId: String(row.confirmed_event_id),
  inFallback: row.in_fallback,
});

/** The open thread of each team in this campaign (all teams, or those given). */
export async function readOpenThreads(sql: Sql, campaign: string, teams?: readonly string[]): Promise<Map<string, ThreadRow>> {
  const rows = await sql<ThreadDbRow[]>`
    select id, team, campaign, channel, parent_ts, permalink, opened_at, last_tier, last_nudged_at,
           reply_cursor, seen_reply_count, seen_latest_reply, confirmed_event_id, in_fallback
    from chaser_threads
    where closed_at is null and campaign = ${campaign}
      ${teams && teams.length > 0 ? sql`and team = any(${[...teams]}::text[])` : sql``}
    -- Longest since its last nudge first: the teams most likely due are read first when the read budget runs out.
    order by last_nudged_at nulls first, id`;
  return new Map(rows.map((row) => [row.team, toThread(row)]));
}

export interface OpenThread {
  team: string;
  campaign: string;
  channel: string;
  parentTs: string;
  permalink?: string | null;
  now: Date;
  runId?: string | undefined;
  /** Closed in the same transaction: the new parent replaces it. */
  replaces?: { id: string; reason: CloseReason };
  /** The tier of the nudge the parent carries. */
  tier?: string;
  /** Opened in the fallbackChannel. */
  inFallback?: boolean;
}

/**
 * Records a parent Slack accepted as the team's open thread; the one it replaces is closed in the
 * same transaction, so a team never has two open threads nor, after a crash, none it can find.
 */
export async function openThread(sql: Sql, thread: OpenThread): Promise<ThreadRow> {
  const insert = (tx: Sql) => tx<ThreadDbRow[]>`
    insert into chaser_threads (team, campaign, channel, parent_ts, permalink, opened_at, opened_run_id, replaces_thread_id,
                                parent_updated_at, last_tier, last_nudged_at, in_fallback)
    values (${thread.team}, ${thread.campaign}, ${thread.channel}, ${thread.parentTs}, ${thread.permalink ?? null},
            ${thread.now}, ${thread.runId ?? null}, ${thread.replaces?.id ?? null}, ${thread.now},
            ${thread.tier ?? null}, ${thread.tier ? thread.now : null}, ${thread.inFallback ?? false})
    returning id, team, campaign, channel, parent_ts, permalink, opened_at, last_tier, last_nudged_at,
              reply_cursor, seen_reply_count, seen_latest_reply, confirmed_event_id, in_fallback`;
  // One statement for a team's first thread (the sweep's per-team cost); a transaction only to replace one.
  if (!thread.replaces) {
    const [row] = await insert(sql);
    return toThread(row as ThreadDbRow);
  }
  const replaces = thread.replaces;
  return sql.begin<ThreadRow>(async (tx) => {
    await tx`update chaser_threads set closed_at = ${thread.now}, closed_reason = ${replaces.reason}
             where id = ${replaces.id} and closed_at is null`;
    const [row] = await insert(tx as unknown as Sql);
    return toThread(row as ThreadDbRow);
  });
}

export async function closeThread(sql: Sql, id: string, now: Date, reason: CloseReason): Promise<void> {
  await sql`update chaser_threads set closed_at = ${now}, closed_reason = ${reason} where id = ${id} and closed_at is null`;
}

/** A nudge went out in the thread: remember its tier, so the next one is broadcast only if it rose. */
export async function recordThreadNudge(sql: Sql, id: string, now: Date, tier: string): Promise<void> {
  await sql`update chaser_threads set last_tier = ${tier}, last_nudged_at = ${now} where id = ${id}`;
}

export async function recordPermalink(sql: Sql, id: string, permalink: string): Promise<void> {
  await sql`update chaser_threads set permalink = ${permalink} where id = ${id}`;
}

export interface HarvestCursor {
  replyCursor: string | null;
  seenReplyCount: number;
  seenLatestReply: string | null;
}

/**
 * One thread's harvest, recorded whole: its events (each at most once, ever: the unique index
 * drops a re-read) and where the reading stopped, in one statement. A run killed before this
 * loses nothing (the next run reads the same replies again); killed after, it re-reads nothing.
 * Returns the events that were new.
 */
export async function recordHarvest(
  sql: Sql,
  thread: { id: string; team: string },
  events: readonly NewAckEvent[],
  cursor: HarvestCursor,
  run: { runId?: string | undefined; now: Date },
): Promise<AckEvent[]> {
  const rows = await sql<AckDbRow[]>`
    with cursor_moved as (
      update chaser_threads
      set reply_cursor = ${cursor.replyCursor}, seen_reply_count = ${cursor.seenReplyCount},
          seen_latest_reply = ${cursor.seenLatestReply}
      where id = ${thread.id}
    )
    insert into chaser_ack_events (thread_id, team, consumer_id, kind, source, actor, message_ts, body, until_at, detail, run_id, recorded_at)
    select ${thread.id}::bigint, ${thread.team}, e.consumer_id, e.kind, e.source, e.actor, e.message_ts, e.body, e.until_at,
           e.detail, ${run.runId ?? null}::bigint, ${run.now}::timestamptz
    from unnest(${events.map((e) => e.consumerId)}::text[], ${events.map((e) => e.kind)}::text[],
                ${events.map((e) => e.source)}::text[], ${events.map((e) => e.actor)}::text[],
                ${events.map((e) => e.messageTs)}::text[], ${events.map((e) => e.body)}::text[],
                ${events.map((e) => (e.untilAt ? e.untilAt.toISOString() : null))}::timestamptz[],
                ${events.map((e) => e.detail)}::text[])
         as e(consumer_id, kind, source, actor, message_ts, body, until_at, detail)
    on conflict do nothing
    returning ${sql(ACK_COLUMNS)}`;
  return rows.map(toAck);
}

/** Events up to this one were confirmed in the thread. */
export async function recordConfirmed(sql: Sql, threadId: string, eventId: string): Promise<void> {
  await sql`update chaser_threads set confirmed_event_id = greatest(confirmed_event_id, ${eventId}::bigint) where id = ${threadId}`;
}

interface AckDbRow {
  id: string;
  thread_id: string;
  team: string;
  consumer_id: string | null;
  kind: AckKind;
  source: 'reply' | 'reaction';
  actor: string;
  message_ts: string;
  body: string;
  until_at: Date | null;
  detail: string | null;
  recorded_at: Date;
}

const ACK_COLUMNS = [
  'id',
  'thread_id',
  'team',
  'consumer_id',
  'kind',
  'source',
  'actor',
  'message_ts',
  'body',
  'until_at',
  'detail',
  'recorded_at',
];

const toAck = (row: AckDbRow): AckEvent => ({
  id: String(row.id),
  threadId: String(row.thread_id),
  team: row.team,
  consumerId: row.consumer_id,
  kind: row.kind,
  source: row.source,
  actor: row.actor,
  messageTs: row.message_ts,
  body: row.body,
  untilAt: row.until_at,
  detail: row.detail,
  recordedAt: row.recorded_at,
});

/**
 * Every answer that can still matter for these teams in this campaign: the events of their
 * threads, open or closed (a dispute outlives the thread it was made in). One statement.
 */
export async function readAckEvents(sql: Sql, campaign: string, teams?: readonly string[]): Promise<AckEvent[]> {
  const rows = await sql<AckDbRow[]>`
    select e.id, e.thread_id, e.team, e.consumer_id, e.kind, e.source, e.actor, e.message_ts, e.body, e.until_at, e.detail, e.recorded_at
    from chaser_ack_events e join chaser_threads t on t.id = e.thread_id
    where t.campaign = ${campaign}
      ${teams && teams.length > 0 ? sql`and e.team = any(${[...teams]}::text[])` : sql``}
    order by e.id`;
  return rows.map(toAck);
}

/** What each thread has listed: every consumer chaser nudged in it (with its name now), and per chaser message its consumers. */
export interface ThreadConsumers {
  listed: Array<{ id: string; name: string | null }>;
  byMessage: Map<string, string[]>;
}

/**
 * From the nudge log (the team's messages in the thread's channel since it opened), joined to the
 * inventory for the names people will type: one statement for every thread.
 */
export async function readThreadConsumers(
  sql: Sql,
  source: SourceConfig,
  threads: readonly ThreadRow[],
): Promise<Map<string, ThreadConsumers>> {
  const result = new Map<string, ThreadConsumers>(threads.map((t) => [t.id, { listed: [], byMessage: new Map() }]));
  if (threads.length === 0) return result;
  const c = source.columns;
  const rows = await sql<{ thread_id: string; consumer_id: string; message_ts: string; name: string | null }[]>`
    with thread as (
      select * from unnest(${threads.map((t) => t.id)}::bigint[], ${threads.map((t) => t.team)}::text[],
                           ${threads.map((t) => t.channel)}::text[], ${threads.map((t) => t.openedAt.toISOString())}::timestamptz[])
        as t(id, team, channel, opened_at)
    )
    select thread.id::text as thread_id, log.consumer_id, coalesce(scheduled.message_ts, log.message_ts) as message_ts,
           inventory.${sql(c.name)}::text as name
    from thread
    join chaser_nudge_log log on log.team = thread.team and log.channel = thread.channel and log.nudged_at >= thread.opened_at
    -- A scheduled nudge is logged as "scheduled:<id>": its message is the ts Slack posted it under
    -- (reconciled before the harvest); one not posted yet, or deleted, has no message to read.
    left join chaser_scheduled_nudges scheduled
      on log.message_ts like 'scheduled:%' and scheduled.scheduled_message_id = substr(log.message_ts, 11)
    left join ${sql(source.table)} as inventory on inventory.${sql(c.id)}::text = log.consumer_id
    where log.message_ts not like 'scheduled:%' or scheduled.message_ts is not null
    order by log.id`;
  for (const row of rows) {
    const entry = result.get(String(row.thread_id));
    if (!entry) continue;
    if (!entry.listed.some((l) => l.id === row.consumer_id)) entry.listed.push({ id: row.consumer_id, name: row.name });
    const ids = entry.byMessage.get(row.message_ts) ?? [];
    if (!ids.includes(row.consumer_id)) ids.push(row.consumer_id);
    entry.byMessage.set(row.message_ts, ids);
  }
  return result;
}
