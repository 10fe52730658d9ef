import type { Sql } from './connect.js';

export interface TeamNudges {
  runId: string;
  team: string;
  /** Where Slack said the message landed, and its ts: together they locate the message. */
  channel: string;
  messageTs: string;
  now: Date;
  /** Parallel arrays: ids[i] was nudged in tier tiers[i] (TeamPlan.nudges). */
  ids: string[];
  tiers: string[];
}

/**
 * Records one team's delivered message: a log row per consumer and its state moved on by one nudge.
 * One statement, so a team is recorded whole or not at all; called only after Slack said ok, so
 * every recorded nudge was really sent. Returns how many consumers were recorded.
 *
 * A repeated id counts once: a nudge is per consumer per message, however the list was built.
 */
export async function recordNudges(sql: Sql, nudges: TeamNudges): Promise<number> {
  if (nudges.ids.length !== nudges.tiers.length) {
    throw new Error(`recordNudges: ${nudges.ids.length} ids but ${nudges.tiers.length} tiers`);
  }
  if (nudges.ids.length === 0) return 0;
  const result = await sql`
    with batch as (
      select distinct on (consumer_id) consumer_id, tier
      from unnest(${nudges.ids}::text[], ${nudges.tiers}::text[]) with ordinality as b(consumer_id, tier, position)
      order by consumer_id, position
    ), logged as (
      insert into chaser_nudge_log (run_id, consumer_id, team, tier, channel, message_ts, nudged_at)
      select ${nudges.runId}::bigint, consumer_id, ${nudges.team}::text, tier, ${nudges.channel}::text,
             ${nudges.messageTs}::text, ${nudges.now}::timestamptz
      from batch
    )
    insert into chaser_nudge_state as state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
    select consumer_id, 1, ${nudges.now}::timestamptz, ${nudges.now}::timestamptz, tier from batch
    on conflict (consumer_id) do update
      set nudge_count = state.nudge_count + 1,
          last_nudged_at = excluded.last_nudged_at,
          last_tier = excluded.last_tier`;
  return result.count;
}
