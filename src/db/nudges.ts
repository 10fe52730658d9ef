import type { Sql } from './connect.js';

/** The run a nudge belongs to, and the instant it was sent at (the run's `now`). */
export interface NudgeRun {
  runId: string;
  now: Date;
}

/** One delivered team message and the consumers it covers. */
export interface TeamNudges {
  team: string;
  /** Where Slack said the message landed, and its ts: together they locate the message. */
  channel: string;
  messageTs: string;
  /** Parallel arrays: ids[i] was nudged in tier tiers[i] (TeamPlan.nudges). */
  ids: readonly string[];
  tiers: readonly string[];
  /** When the nudge counts from: the run's `now`, or a scheduled message's post_at. */
  nudgedAt?: Date;
}

/**
 * Records delivered team messages: a chaser_team_messages row per message, a log row per consumer
 * and its state moved on by one nudge.
 * One statement however many messages, so they are recorded whole or not at all; called only
 * after Slack said ok, so every recorded nudge was really sent. Returns how many consumers were
 * recorded.
 *
 * A consumer is nudged at most once per statement, by the first message that names it: a state
 * row can take only one update per statement, and a run's plan names each consumer once anyway.
 */
export async function recordNudges(sql: Sql, run: NudgeRun, messages: readonly TeamNudges[]): Promise<number> {
  const ids: string[] = [];
  const tiers: string[] = [];
  const messageNumbers: number[] = [];
  messages.forEach((message, index) => {
    if (message.ids.length !== message.tiers.length) {
      throw new Error(`recordNudges: ${message.ids.length} ids but ${message.tiers.length} tiers for team ${message.team}`);
    }
    // A loop, not push(...spread): a team can have more ids than a call can take arguments.
    for (let i = 0; i < message.ids.length; i += 1) {
      ids.push(message.ids[i] as string);
      tiers.push(message.tiers[i] as string);
      messageNumbers.push(index + 1);
    }
  });
  if (ids.length === 0) return 0;
  const result = await sql`
    with message as (
      select *
      from unnest(${messages.map((m) => m.team)}::text[], ${messages.map((m) => m.channel)}::text[],
                  ${messages.map((m) => m.messageTs)}::text[], ${messages.map((m) => (m.nudgedAt ?? run.now).toISOString())}::timestamptz[])
             with ordinality as m(team, channel, message_ts, nudged_at, message_no)
    ), batch as (
      select distinct on (consumer_id) consumer_id, tier, message_no
      from unnest(${ids}::text[], ${tiers}::text[], ${messageNumbers}::int[]) with ordinality as b(consumer_id, tier, message_no, position)
      order by consumer_id, position
    ), messaged as (
      -- One row per message, not per consumer: the budget and the ignored count read these.
      insert into chaser_team_messages (team, channel, ts, kind, sent_at, run_id)
      select team, channel, message_ts, 'nudge', ${run.now}::timestamptz, ${run.runId}::bigint from message
    ), logged as (
      insert into chaser_nudge_log (run_id, consumer_id, team, tier, channel, message_ts, nudged_at)
      select ${run.runId}::bigint, batch.consumer_id, message.team, batch.tier, message.channel,
             message.message_ts, message.nudged_at
      from batch join message using (message_no)
    )
    insert into chaser_nudge_state as state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
    select batch.consumer_id, 1, message.nudged_at, message.nudged_at, batch.tier from batch join message using (message_no)
    on conflict (consumer_id) do update
      set nudge_count = state.nudge_count + 1,
          last_nudged_at = excluded.last_nudged_at,
          last_tier = excluded.last_tier`;
  return result.count;
}
