import type { Sql } from '../../src/db/connect.js';

/** What chaser remembers, read back the way an operator would query it. */

/** consumer id → nudge_count, for every consumer chaser has recorded a nudge for. */
export async function nudgeCounts(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ consumer_id: string; nudge_count: number }[]>`
    select consumer_id, nudge_count from chaser_nudge_state order by consumer_id`;
  return Object.fromEntries(rows.map((r) => [r.consumer_id, r.nudge_count]));
}

export interface RunRow {
  id: string;
  command: string;
  finished_at: Date | null;
  exit_code: number | null;
  outcome: string | null;
  nudged: number | null;
  teams_messaged: number | null;
  teams_failed: number | null;
  digest_delivered: boolean | null;
}

export async function runRows(sql: Sql): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select id::text as id, command, finished_at, exit_code, outcome, nudged, teams_messaged, teams_failed, digest_delivered
    from chaser_runs order by id`;
}

/** Every chaser_runs row as JSON text, all columns: for "contains no secret" checks. */
export async function runRowsAsText(sql: Sql): Promise<string> {
  const rows = await sql<{ row: string }[]>`select row_to_json(r)::text as row from chaser_runs r order by id`;
  return rows.map((r) => r.row).join('\n');
}

/**
 * Consumers whose nudge_count differs from their number of log rows: always empty when every
 * team was recorded whole or not at all (state and log are written by one statement).
 */
export async function stateLogMismatches(sql: Sql): Promise<{ consumer_id: string; state: number | null; logged: number | null }[]> {
  return sql<{ consumer_id: string; state: number | null; logged: number | null }[]>`
    select coalesce(s.consumer_id, l.consumer_id) as consumer_id, s.nudge_count as state, l.n as logged
    from chaser_nudge_state s
    full join (select consumer_id, count(*)::int as n from chaser_nudge_log group by consumer_id) l using (consumer_id)
    where s.nudge_count is distinct from l.n
    order by 1`;
}
