import type { Sql } from './connect.js';

/**
 * When a sweep last delivered its digest at or after `since` (and not after `now`: a run with
 * `--now` in the past must not see the future), or null. Read from chaser_runs, where every
 * run records whether its digest went out.
 */
export async function readLastSweepDigest(
  sql: Sql,
  filters: { teams?: string[]; keyId?: string },
  since: Date,
  now: Date,
): Promise<Date | null> {
  // Same filters only: `sweep --team payments` sent payments' digest, not the whole campaign's.
  const [row] = await sql<{ as_of: Date | null }[]>`
    select max(as_of) as as_of from chaser_runs
    where command = 'sweep' and digest_delivered and filters = ${sql.json(filters)}
      and as_of >= ${since}::timestamptz and as_of <= ${now}::timestamptz`;
  return row?.as_of ?? null;
}
