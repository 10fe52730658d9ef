import type { Sql } from './connect.js';

export interface DatabaseClock {
  /** The database server's clock (`now()`): the reference a --now is checked against. */
  now: Date;
  /** Consumers whose last recorded nudge lies after the database's clock plus `skewMs`. */
  futureNudges: number;
  /** The latest of those, or null when there are none. */
  latestFutureNudge: Date | null;
}

/** The database's clock and the nudge records dated in its future, in one statement. */
export async function readDatabaseClock(sql: Sql, skewMs: number): Promise<DatabaseClock> {
  const [row] = await sql<{ now: Date; future: number; latest: Date | null }[]>`
    select now() as now, count(*)::int as future, max(last_nudged_at) as latest
    from chaser_nudge_state
    where last_nudged_at > now() + ${skewMs}::int * interval '1 millisecond'`;
  if (!row) throw new Error('readDatabaseClock: no row');
  return { now: row.now, futureNudges: row.future, latestFutureNudge: row.latest };
}
