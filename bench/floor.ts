import { performance } from 'node:perf_hooks';
import { BENCH_NOW, type Sql } from './scratch-db.js';

/** Rows per round trip for every streamed read of the bench: the same as chaser's cursor. */
export const FETCH_ROWS = 5000;

/**
 * The least SQL any implementation of a sweep must run: one plain read of the overdue pending
 * consumers with their nudge state (no casts, no ORDER BY: nothing needs the rows sorted), and
 * one set-based write of nudge state + log for every due one, computed on the server. The tier
 * is the default ladder's, by days overdue; with the bench's state every non-snoozed outstanding
 * consumer is due (see resetChaserState), so no cadence logic is needed to write the same rows a
 * sweep writes.
 */
export async function floorRead(sql: Sql): Promise<{ readMs: number; rows: number }> {
  const readStarted = performance.now();
  let rowsRead = 0;
  const read = sql`
    select c.id, c.name, c.owner_team, c.key_id, c.status, c.rotation_deadline, c.snoozed_until,
           s.nudge_count, s.last_nudged_at, s.last_tier
    from rotation_consumers c
    left join chaser_nudge_state s on s.consumer_id = c.id
    where c.status = 'pending' and c.rotation_deadline < ${BENCH_NOW}::timestamptz`;
  for await (const rows of read.cursor(FETCH_ROWS)) rowsRead += rows.length;
  return { readMs: performance.now() - readStarted, rows: rowsRead };
}

/** The floor's write: run record + nudge state + log for every due consumer, in one statement. */
export async function floorWrite(sql: Sql): Promise<{ writeMs: number; rows: number }> {
  const writeStarted = performance.now();
  const result = await sql`
    with run as (
      insert into chaser_runs (command, as_of) values ('floor', ${BENCH_NOW}::timestamptz) returning id
    ), batch as (
      select c.id as consumer_id, c.owner_team as team,
             case when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '14 days' then 'critical'
                  when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '7 days' then 'urgent'
                  when ${BENCH_NOW}::timestamptz - c.rotation_deadline >= interval '3 days' then 'firm'
                  else 'gentle' end as tier
      from rotation_consumers c
      where c.status = 'pending' and c.rotation_deadline < ${BENCH_NOW}::timestamptz
        and (c.snoozed_until is null or c.snoozed_until <= ${BENCH_NOW}::timestamptz)
    ), logged as (
      insert into chaser_nudge_log (run_id, consumer_id, team, tier, channel, message_ts, nudged_at)
      select run.id, batch.consumer_id, batch.team, batch.tier, 'C-' || batch.team, '1773133200.000100', ${BENCH_NOW}::timestamptz
      from batch, run
    )
    insert into chaser_nudge_state as state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
    select consumer_id, 1, ${BENCH_NOW}::timestamptz, ${BENCH_NOW}::timestamptz, tier from batch
    on conflict (consumer_id) do update
      set nudge_count = state.nudge_count + 1, last_nudged_at = excluded.last_nudged_at, last_tier = excluded.last_tier`;
  return { writeMs: performance.now() - writeStarted, rows: result.count };
}

/** The floor read with chaser's ORDER BY added, streamed the same way: what the sort alone costs. */
export async function timeSortedRead(sql: Sql): Promise<{ readMs: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  const read = sql`
    select c.id, c.name, c.owner_team as team, c.key_id, c.status, c.rotation_deadline as deadline, c.snoozed_until,
           s.nudge_count, s.last_nudged_at, s.last_tier
    from rotation_consumers c
    left join chaser_nudge_state s on s.consumer_id = c.id
    where c.status = 'pending' and c.rotation_deadline < ${BENCH_NOW}::timestamptz
    order by team nulls last, deadline, id`;
  for await (const batch of read.cursor(FETCH_ROWS)) rows += batch.length;
  return { readMs: performance.now() - started, rows };
}
