import type { SourceConfig } from '../config/types.js';
import type { Sql } from './connect.js';

/** The distinct owner teams with anything outstanding (pending, past deadline): doctor's routing check. */
export async function listOutstandingTeams(sql: Sql, source: SourceConfig, now: Date): Promise<string[]> {
  const c = source.columns;
  const rows = await sql<{ team: string }[]>`
    select distinct consumer.${sql(c.team)}::text as team
    from ${sql(source.table)} as consumer
    where consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[])
      and consumer.${sql(c.deadline)}::timestamptz < ${now}::timestamptz
      and consumer.${sql(c.team)} is not null
    order by 1`;
  return rows.map((row) => row.team);
}
