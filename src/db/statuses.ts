import type { SourceConfig } from '../config/types.js';
import type { RunFilters, UnknownStatuses } from '../policy/types.js';
import type { Sql } from './connect.js';
import { overdueOrUnset, type TimeKind } from './source.js';

/** Most unknown statuses listed by name; the rest are counted. */
const STATUSES_LISTED = 20;

/**
 * The rows whose status is in neither pendingStatuses nor doneStatuses (NULL included), grouped
 * by status, within the run's filters: one aggregate statement. No index serves "none of these
 * values", so it scans the table (PG 15, 1,000,000 rows: ~0.2 s, under 1 % of a sweep of that
 * size); the sweep's own read stays on its index. A text deadline cannot be compared
 * in SQL (db/source.ts), so there every such row counts as overdue: the gate errs on not passing.
 *
 * Statuses are returned exactly as stored, not made printable: "TODO " and "TODO" must stay
 * apart to be diagnosed. They are only ever shown quoted, through printableJson.
 */
export async function countUnknownStatuses(
  sql: Sql,
  source: SourceConfig,
  options: { now: Date; deadlineKind: TimeKind; filters?: RunFilters },
): Promise<UnknownStatuses> {
  const c = source.columns;
  const known = [...source.pendingStatuses, ...source.doneStatuses];
  const teams = options.filters?.teams?.length ? options.filters.teams : null;
  const keyId = options.filters?.keyId;
  const rows = await sql<
    { status: string | null; rows: number; overdue: number; all_rows: number; all_overdue: number; distinct: number }[]
  >`
    select consumer.${sql(c.status)}::text as status,
           count(*)::int as rows,
           (count(*) filter (where ${overdueOrUnset(sql, c.deadline, options.deadlineKind, options.now)}))::int as overdue,
           (sum(count(*)) over ())::int as all_rows,
           (sum(count(*) filter (where ${overdueOrUnset(sql, c.deadline, options.deadlineKind, options.now)})) over ())::int as all_overdue,
           (count(*) over ())::int as distinct
    from ${sql(source.table)} as consumer
    where (consumer.${sql(c.status)} is null or consumer.${sql(c.status)}::text <> all(${known}::text[]))
      ${teams ? sql`and consumer.${sql(c.team)}::text = any(${teams}::text[])` : sql``}
      ${keyId !== undefined ? sql`and consumer.${sql(c.keyId)}::text = ${keyId}::text` : sql``}
    group by 1
    order by 3 desc, 2 desc, 1 nulls first
    limit ${STATUSES_LISTED}`;
  const first = rows[0];
  if (!first) return { rows: 0, overdue: 0, statuses: [], distinct: 0 };
  return {
    rows: first.all_rows,
    overdue: first.all_overdue,
    distinct: first.distinct,
    statuses: rows.map((row) => ({ status: row.status, rows: row.rows, overdue: row.overdue })),
  };
}

/** Every distinct status of the inventory with its count, most frequent first (doctor's census; reads the whole table). */
export async function countStatuses(
  sql: Sql,
  source: SourceConfig,
  limit = 30,
): Promise<{ statuses: Array<{ status: string | null; rows: number }>; distinct: number }> {
  const c = source.columns;
  const rows = await sql<{ status: string | null; rows: number; distinct: number }[]>`
    select consumer.${sql(c.status)}::text as status, count(*)::int as rows, (count(*) over ())::int as distinct
    from ${sql(source.table)} as consumer
    group by 1
    order by 2 desc, 1 nulls first
    limit ${limit}`;
  return { statuses: rows.map((row) => ({ status: row.status, rows: row.rows })), distinct: rows[0]?.distinct ?? 0 };
}
