import type { SourceConfig } from '../config/types.js';
import { printable } from '../printable.js';
import type { Sql } from './connect.js';
import { instantOf, type TimeKind } from './source.js';

/**
 * The distinct owner teams with anything outstanding (pending, past deadline): doctor's routing
 * check. A text deadline is not compared in SQL (one unreadable value would fail the statement),
 * so there every team with a pending row is listed.
 */
export async function listOutstandingTeams(
  sql: Sql,
  source: SourceConfig,
  now: Date,
  deadlineKind: TimeKind = 'instant',
): Promise<string[]> {
  const c = source.columns;
  const rows = await sql<{ team: string }[]>`
    select distinct consumer.${sql(c.team)}::text as team
    from ${sql(source.table)} as consumer
    where consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[])
      and ${deadlineKind === 'text' ? sql`true` : sql`${instantOf(sql, c.deadline, deadlineKind)} < ${now}::timestamptz`}
      and consumer.${sql(c.team)} is not null
    order by 1`;
  // Printable, as the run routes them (db/consumers.ts): the same key for the same config lookup.
  return [...new Set(rows.map((row) => printable(row.team)))];
}
