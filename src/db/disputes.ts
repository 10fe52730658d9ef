import type { PostedDispute } from '../policy/answers/disputes.js';
import type { Sql } from './connect.js';

interface DisputePostDbRow {
  event_id: string;
  team: string;
  consumer_id: string;
  channel: string;
  message_ts: string;
  resolved_at: Date | null;
  resolved_by: string | null;
}

/** Every dispute posted in this campaign (for these teams), resolved or not. One statement. */
export async function readDisputePosts(sql: Sql, campaign: string, teams?: readonly string[]): Promise<PostedDispute[]> {
  const rows = await sql<DisputePostDbRow[]>`
    select event_id::text as event_id, team, consumer_id, channel, message_ts, resolved_at, resolved_by
    from chaser_dispute_posts
    where campaign = ${campaign}
      ${teams && teams.length > 0 ? sql`and team = any(${[...teams]}::text[])` : sql``}
    order by id`;
  return rows.map((row) => ({
    eventId: String(row.event_id),
    team: row.team,
    consumerId: row.consumer_id,
    channel: row.channel,
    messageTs: row.message_ts,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  }));
}

/**
 * One fallback post Slack accepted, with the disputes it carries, in one statement (a dispute
 * already posted is left as it was: a re-run after a kill posts at most this message again).
 */
export async function recordDisputePost(
  sql: Sql,
  post: { campaign: string; team: string; channel: string; messageTs: string },
  disputes: ReadonlyArray<{ eventId: string; consumerId: string }>,
  run: { runId?: string | undefined; now: Date },
): Promise<void> {
  if (disputes.length === 0) return;
  await sql`
    insert into chaser_dispute_posts (event_id, campaign, team, consumer_id, channel, message_ts, run_id, posted_at)
    select d.event_id, ${post.campaign}, ${post.team}, d.consumer_id, ${post.channel}, ${post.messageTs},
           ${run.runId ?? null}::bigint, ${run.now}::timestamptz
    from unnest(${disputes.map((d) => d.eventId)}::bigint[], ${disputes.map((d) => d.consumerId)}::text[]) as d(event_id, consumer_id)
    on conflict (event_id) do nothing`;
}

/** These disputes are over: resolved by a person (their user id) or by the inventory ('inventory'). */
export async function resolveDisputes(sql: Sql, eventIds: readonly string[], by: string, now: Date): Promise<void> {
  if (eventIds.length === 0) return;
  await sql`
    update chaser_dispute_posts set resolved_at = ${now}, resolved_by = ${by}
    where event_id = any(${[...eventIds]}::bigint[]) and resolved_at is null`;
}
