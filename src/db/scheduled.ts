import type { SourceConfig } from '../config/types.js';
import type { Sql } from './connect.js';
import { recordNudges, type NudgeRun, type TeamNudges } from './nudges.js';

/** A nudge Slack holds in its queue for post_at (chaser_scheduled_nudges). */
export interface ScheduledNudge {
  scheduledMessageId: string;
  team: string;
  channel: string;
  postAt: Date;
  consumerIds: string[];
}

/** The log's message_ts of a scheduled nudge until the real ts is known. */
export const scheduledTs = (id: string) => `scheduled:${id}`;

/**
 * Records a scheduled message the moment Slack accepted it, in one transaction: its nudges
 * (counted from post_at) and its row for the next run's reconciliation.
 */
export async function recordScheduledNudge(sql: Sql, run: NudgeRun, nudges: TeamNudges, scheduled: ScheduledNudge): Promise<void> {
  await sql.begin(async (tx) => {
    await recordNudges(tx as unknown as Sql, run, [
      { ...nudges, messageTs: scheduledTs(scheduled.scheduledMessageId), nudgedAt: scheduled.postAt },
    ]);
    await tx`
      insert into chaser_scheduled_nudges (scheduled_message_id, run_id, team, channel, post_at, consumer_ids)
      values (${scheduled.scheduledMessageId}::text, ${run.runId}::bigint, ${scheduled.team}::text, ${scheduled.channel}::text,
              ${scheduled.postAt}::timestamptz, ${scheduled.consumerIds}::text[])`;
  });
}

/** Every scheduled nudge not yet reconciled, oldest post_at first. */
export async function readPendingScheduled(sql: Sql): Promise<ScheduledNudge[]> {
  const rows = await sql<{ scheduled_message_id: string; team: string; channel: string; post_at: Date; consumer_ids: string[] }[]>`
    select scheduled_message_id, team, channel, post_at, consumer_ids
    from chaser_scheduled_nudges where status = 'scheduled' order by post_at, scheduled_message_id`;
  return rows.map((row) => ({
    scheduledMessageId: row.scheduled_message_id,
    team: row.team,
    channel: row.channel,
    postAt: row.post_at,
    consumerIds: row.consumer_ids,
  }));
}

/** Of these consumer ids, those still pending in the inventory (one query for all scheduled nudges). */
export async function readStillPending(sql: Sql, source: SourceConfig, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const c = source.columns;
  const rows = await sql<{ id: string }[]>`
    select ${sql(c.id)}::text as id from ${sql(source.table)}
    where ${sql(c.id)}::text = any(${[...ids]}::text[]) and ${sql(c.status)}::text = any(${source.pendingStatuses}::text[])`;
  return new Set(rows.map((row) => row.id));
}

export type Reconciled =
  { scheduledMessageId: string; status: 'sent'; messageTs: string | null } | { scheduledMessageId: string; status: 'deleted' | 'gone' };

/**
 * Settles reconciled rows: one statement. The real ts of a sent one is kept here, beside its
 * scheduled id: chaser_nudge_log stays append-only (its row says "scheduled:<id>").
 */
export async function markReconciled(sql: Sql, outcomes: readonly Reconciled[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const ids = outcomes.map((o) => o.scheduledMessageId);
  const statuses = outcomes.map((o) => o.status);
  const tss = outcomes.map((o) => (o.status === 'sent' ? o.messageTs : null));
  await sql`
    update chaser_scheduled_nudges s
    set status = o.status, message_ts = o.message_ts, reconciled_at = ${now}::timestamptz
    from unnest(${ids}::text[], ${statuses}::text[], ${tss}::text[]) as o(id, status, message_ts)
    where s.scheduled_message_id = o.id`;
}
