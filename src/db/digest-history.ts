import type { SourceConfig } from '../config/types.js';
import type { Snapshot, TeamDetail } from '../run/history.js';
import type { Sql } from './connect.js';
import type { RunId } from './runs.js';
import { readSnapshots } from './snapshots.js';
import { setInstantOf, type TimeKind } from './source.js';

/** The last run before this one that delivered a digest, with the snapshots it wrote; null when none did. */
export async function readLastDigest(sql: Sql, runId: RunId): Promise<{ asOf: Date; snapshots: Snapshot[] } | null> {
  const [run] = await sql<{ id: string; as_of: Date }[]>`
    select id::text, as_of from chaser_runs
    where digest_delivered and id < ${runId}::bigint
    order by id desc limit 1`;
  if (!run) return null;
  return { asOf: run.as_of, snapshots: await readSnapshots(sql, { runId: run.id }) };
}

export interface TeamDetailOptions {
  teams: readonly { team: string; tier: string }[];
  now: Date;
  since: Date | null;
  keyId?: string;
  /** Consumers listed per team, most overdue first. */
  perTeam: number;
  deadlineKind?: TimeKind;
}

/**
 * For the worst teams: their most overdue consumers with how often and since when chaser chased
 * them, and what changed since the last digest (confirmed, exempted, newly overdue). Two
 * set-based statements, whatever the number of teams.
 */
export async function readTeamDetails(sql: Sql, source: SourceConfig, options: TeamDetailOptions): Promise<TeamDetail[]> {
  if (options.teams.length === 0) return [];
  const c = source.columns;
  const names = options.teams.map((t) => t.team);
  const deadline = setInstantOf(sql, c.deadline, options.deadlineKind ?? 'instant');
  const key = options.keyId !== undefined ? sql`and consumer.${sql(c.keyId)}::text = ${options.keyId}::text` : sql``;
  const rows = await sql<
    {
      team: string;
      id: string;
      name: string | null;
      deadline: Date;
      nudge_count: number | null;
      first_nudged_at: Date | null;
      total: number;
    }[]
  >`
    select * from (
      select consumer.${sql(c.team)}::text as team, consumer.${sql(c.id)}::text as id, consumer.${sql(c.name)}::text as name,
             ${deadline} as deadline, s.nudge_count, s.first_nudged_at,
             row_number() over (partition by consumer.${sql(c.team)}::text order by ${deadline}, consumer.${sql(c.id)}::text) as rank,
             (count(*) over (partition by consumer.${sql(c.team)}::text))::int as total
      from ${sql(source.table)} as consumer
      left join chaser_nudge_state s on s.consumer_id = consumer.${sql(c.id)}::text
      where consumer.${sql(c.team)}::text = any(${names}::text[])
        and consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[])
        and ${deadline} < ${options.now}::timestamptz
        ${key}
    ) ranked
    where rank <= ${options.perTeam}
    order by team, rank`;
  const changes = await sql<{ team: string; confirmed: number; exempted: number; newly_overdue: number }[]>`
    with resolved as (
      select team, count(*) filter (where how = 'confirmed')::int as confirmed, count(*) filter (where how = 'exempt')::int as exempted
      from chaser_resolutions
      where team = any(${names}::text[]) and ${options.since}::timestamptz is not null and left_at > ${options.since}::timestamptz
        ${options.keyId !== undefined ? sql`and key_id = ${options.keyId}::text` : sql``}
      group by team
    ),
    overdue as (
      select consumer.${sql(c.team)}::text as team, count(*)::int as newly_overdue
      from ${sql(source.table)} as consumer
      where consumer.${sql(c.team)}::text = any(${names}::text[])
        and consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[])
        and ${deadline} < ${options.now}::timestamptz
        and ${options.since}::timestamptz is not null and ${deadline} >= ${options.since}::timestamptz
        ${key}
      group by 1
    )
    select t.team, coalesce(r.confirmed, 0) as confirmed, coalesce(r.exempted, 0) as exempted, coalesce(o.newly_overdue, 0) as newly_overdue
    from unnest(${names}::text[]) as t(team)
    left join resolved r on r.team = t.team
    left join overdue o on o.team = t.team`;
  const byTeam = new Map(changes.map((row) => [row.team, row]));
  return options.teams.map(({ team, tier }) => {
    const listed = rows.filter((row) => row.team === team);
    const change = byTeam.get(team);
    return {
      team,
      tier,
      consumers: listed.map((row) => ({
        id: row.id,
        name: row.name,
        nudgeCount: row.nudge_count ?? 0,
        firstNudgedAt: row.first_nudged_at,
        daysOverdue: Math.floor((options.now.getTime() - row.deadline.getTime()) / 86_400_000),
      })),
      more: Math.max(0, (listed[0]?.total ?? 0) - listed.length),
      confirmed: change?.confirmed ?? 0,
      exempted: change?.exempted ?? 0,
      newlyOverdue: change?.newly_overdue ?? 0,
    };
  });
}
