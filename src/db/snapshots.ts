import type { SourceConfig, Tier } from '../config/types.js';
import type { Sql } from './connect.js';
import type { RunId } from './runs.js';
import { setInstantOf, type TimeKind } from './source.js';
import { DONE_STATUSES, EXEMPT_STATUSES, type Snapshot, type TeamResolutionStats } from '../run/history.js';
import type { AnswerCounts } from '../policy/types.js';

export { DONE_STATUSES, EXEMPT_STATUSES, type Snapshot, type TeamResolutionStats };

export interface SnapshotOptions {
  runId: RunId;
  command: string;
  now: Date;
  tiers: readonly Tier[];
  hasSnoozedUntil: boolean;
  deadlineKind?: TimeKind;
  snoozedUntilKind?: TimeKind | null;
  /** --key: only this campaign. --team does not narrow a snapshot: it counts the campaign, not the run. */
  keyId?: string;
  doneStatuses?: readonly string[];
  exemptStatuses?: readonly string[];
  /**
   * Per campaign, the claimed and disputed counts the policy derived in this run from the answers
   * (Plan.answerCounts): recorded as they are, so the snapshot, the digest and the report say the
   * same numbers. A campaign absent here counts 0.
   */
  answerCounts?: ReadonlyMap<string, AnswerCounts>;
}

const TOP_TEAMS = 10;

interface SnapshotRow {
  run_id: string;
  key_id: string;
  as_of: Date;
  command: string;
  in_scope: number;
  confirmed: number;
  exempt: number;
  pending_not_due: number;
  outstanding: number;
  outstanding_by_tier: Record<string, number>;
  snoozed: number;
  claimed: number;
  disputed: number;
  unknown_status: number;
  undated: number;
  top_teams: { team: string; outstanding: number; maxDaysOverdue: number }[];
}

/**
 * One set-based statement: classify every inventory row (through the source mapping), group by
 * campaign, team, state and tier, fold the groups into one row per campaign and insert them.
 * The tier of an outstanding row is `width_bucket` over the ladder's thresholds in milliseconds,
 * the same inclusive boundary as policy/tiers.ts's tierIndexAt. Claimed and disputed are not
 * re-derived here: they are the policy's own counts of this run (options.answerCounts).
 */
export async function recordSnapshots(sql: Sql, source: SourceConfig, options: SnapshotOptions): Promise<Snapshot[]> {
  const c = source.columns;
  const names = options.tiers.map((tier) => tier.name);
  const thresholds = options.tiers.map((tier) => tier.afterDaysOverdue * 86_400_000);
  const snoozed = options.hasSnoozedUntil
    ? setInstantOf(sql, c.snoozedUntil, options.snoozedUntilKind ?? 'instant')
    : sql`null::timestamptz`;
  const deadline = setInstantOf(sql, c.deadline, options.deadlineKind ?? 'instant');
  const now = options.now;
  const answered = [...(options.answerCounts ?? [])];
  const answerKeys = answered.map(([key]) => key);
  const answerClaimed = answered.map(([, counts]) => counts.claimed);
  const answerDisputed = answered.map(([, counts]) => counts.disputed);
  const rows = await sql<SnapshotRow[]>`
    with classified as (
      select consumer.${sql(c.keyId)}::text as key_id,
             consumer.${sql(c.team)}::text as team,
             case
               when consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[]) then
                 case when ${deadline} is null then 'undated'
                      when ${deadline} < ${now}::timestamptz then 'outstanding'
                      else 'not_due' end
               when consumer.${sql(c.status)}::text = any(${[...(options.doneStatuses ?? DONE_STATUSES)]}::text[]) then 'confirmed'
               when consumer.${sql(c.status)}::text = any(${[...(options.exemptStatuses ?? EXEMPT_STATUSES)]}::text[]) then 'exempt'
               else 'unknown'
             end as state,
             ${deadline} as deadline,
             ${snoozed} as snoozed_until
      from ${sql(source.table)} as consumer
      where consumer.${sql(c.keyId)} is not null
        ${options.keyId !== undefined ? sql`and consumer.${sql(c.keyId)}::text = ${options.keyId}::text` : sql``}
    ),
    grouped as (
      select key_id, team, state,
             case when state = 'outstanding'
                  then width_bucket(extract(epoch from (${now}::timestamptz - deadline)) * 1000, ${thresholds}::float8[])
             end as tier_index,
             count(*)::int as n,
             count(*) filter (where state = 'outstanding' and snoozed_until > ${now}::timestamptz)::int as snoozed,
             max(floor(extract(epoch from (${now}::timestamptz - deadline)) / 86400)) filter (where state = 'outstanding')::int as max_days
      from classified
      group by key_id, team, state, tier_index
    ),
    teams as (
      select key_id, team, sum(n)::int as outstanding, max(max_days)::int as max_days,
             row_number() over (partition by key_id order by sum(n) desc, max(max_days) desc, team) as rank
      from grouped where state = 'outstanding'
      group by key_id, team
    ),
    tiers as (
      select key_id, (${names}::text[])[tier_index] as tier, sum(n)::int as n
      from grouped where state = 'outstanding' and tier_index > 0
      group by key_id, tier_index
    ),
    campaigns as (
      select key_id,
             sum(n)::int as in_scope,
             coalesce(sum(n) filter (where state = 'confirmed'), 0)::int as confirmed,
             coalesce(sum(n) filter (where state = 'exempt'), 0)::int as exempt,
             coalesce(sum(n) filter (where state = 'not_due'), 0)::int as pending_not_due,
             coalesce(sum(n) filter (where state = 'outstanding'), 0)::int as outstanding,
             coalesce(sum(snoozed), 0)::int as snoozed,
             coalesce(sum(n) filter (where state = 'unknown'), 0)::int as unknown_status,
             coalesce(sum(n) filter (where state = 'undated'), 0)::int as undated
      from grouped group by key_id
    ),
    answered as (
      select * from unnest(${answerKeys}::text[], ${answerClaimed}::int[], ${answerDisputed}::int[]) as a(key_id, claimed, disputed)
    )
    insert into chaser_snapshots (run_id, key_id, as_of, command, in_scope, confirmed, exempt, pending_not_due,
                                  outstanding, outstanding_by_tier, snoozed, claimed, disputed, unknown_status, undated, top_teams)
    select ${options.runId}::bigint, k.key_id, ${now}::timestamptz, ${options.command}::text, k.in_scope, k.confirmed, k.exempt,
           k.pending_not_due, k.outstanding,
           (select jsonb_object_agg(name, coalesce(t.n, 0)) from unnest(${names}::text[]) as name left join tiers t on t.key_id = k.key_id and t.tier = name),
           k.snoozed, coalesce(a.claimed, 0), coalesce(a.disputed, 0), k.unknown_status, k.undated,
           coalesce((select jsonb_agg(jsonb_build_object('team', tm.team, 'outstanding', tm.outstanding, 'maxDaysOverdue', tm.max_days) order by tm.rank)
                     from teams tm where tm.key_id = k.key_id and tm.rank <= ${TOP_TEAMS}), '[]'::jsonb)
    from campaigns k
    left join answered a on a.key_id = k.key_id
    order by k.key_id
    returning run_id::text, key_id, as_of, command, in_scope, confirmed, exempt, pending_not_due, outstanding,
              outstanding_by_tier, snoozed, claimed, disputed, unknown_status, undated, top_teams`;
  return rows.map(toSnapshot);
}

/**
 * Runs the campaign-history statements in one transaction, tuned for what they are: one pass
 * over the whole inventory each. JIT off: at 1M rows Postgres spent 2.4 s compiling the
 * snapshot's expressions for a single pass (measured, BENCHMARKS.md); a larger work_mem keeps
 * its hash aggregate and the resolutions' hash joins in memory instead of spilling to disk.
 * Both are `set local`: they end with the transaction. One transaction also means a run killed
 * between them leaves neither the resolutions without their snapshot nor the reverse.
 */
export async function inHistoryTransaction<T>(sql: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  const result = await sql.begin(async (tx) => {
    await tx`set local jit = off`;
    await tx`set local work_mem = '32MB'`;
    // A transaction runs the same statements as the pool (the db/ functions only send queries through it).
    return [await work(tx as unknown as Sql)] as const;
  });
  return result[0];
}

export interface ResolutionOptions {
  runId: RunId;
  now: Date;
  deadlineKind?: TimeKind;
  doneStatuses?: readonly string[];
  exemptStatuses?: readonly string[];
}

/**
 * Two set-based statements after a run's nudges are recorded:
 * 1. remember the campaign (key, team, name, deadline) of every nudged consumer not yet tracked,
 *    so a consumer later removed from the inventory still belongs to its campaign;
 * 2. for every nudged consumer no longer pending (confirmed, exempt, or gone from the inventory)
 *    with no resolution since its last nudge, record that this run saw it leave. A status in no
 *    list is never treated as done, so it records nothing. A consumer that returns to pending and
 *    is nudged again gets a new resolution when it leaves again.
 * Returns the number of resolutions recorded.
 */
export async function recordResolutions(sql: Sql, source: SourceConfig, options: ResolutionOptions): Promise<number> {
  const c = source.columns;
  const deadline = setInstantOf(sql, c.deadline, options.deadlineKind ?? 'instant');
  const done = [...(options.doneStatuses ?? DONE_STATUSES)];
  const exempt = [...(options.exemptStatuses ?? EXEMPT_STATUSES)];
  await sql`
    insert into chaser_tracked_consumers (consumer_id, key_id, team, name, deadline, first_seen_at)
    select s.consumer_id, consumer.${sql(c.keyId)}::text, consumer.${sql(c.team)}::text, consumer.${sql(c.name)}::text,
           ${deadline}, ${options.now}::timestamptz
    from chaser_nudge_state s
    join ${sql(source.table)} as consumer on consumer.${sql(c.id)}::text = s.consumer_id
    where not exists (select 1 from chaser_tracked_consumers t where t.consumer_id = s.consumer_id)
    on conflict (consumer_id) do nothing`;
  const result = await sql`
    insert into chaser_resolutions (run_id, consumer_id, key_id, team, left_at, how, status, deadline, first_nudged_at, nudge_count)
    select ${options.runId}::bigint, s.consumer_id,
           coalesce(consumer.${sql(c.keyId)}::text, t.key_id), coalesce(consumer.${sql(c.team)}::text, t.team),
           ${options.now}::timestamptz,
           case when consumer.${sql(c.id)} is null then 'removed'
                when consumer.${sql(c.status)}::text = any(${done}::text[]) then 'confirmed'
                else 'exempt' end,
           consumer.${sql(c.status)}::text,
           coalesce(${deadline}, t.deadline),
           s.first_nudged_at, s.nudge_count
    from chaser_nudge_state s
    left join chaser_tracked_consumers t on t.consumer_id = s.consumer_id
    left join ${sql(source.table)} as consumer on consumer.${sql(c.id)}::text = s.consumer_id
    where (consumer.${sql(c.id)} is null
           or (not consumer.${sql(c.status)}::text = any(${source.pendingStatuses}::text[])
               and consumer.${sql(c.status)}::text = any(${[...done, ...exempt]}::text[])))
      and not exists (select 1 from chaser_resolutions r where r.consumer_id = s.consumer_id and r.left_at >= s.last_nudged_at)`;
  return result.count;
}

export interface HistoryFilter {
  keyId?: string;
  /** Only the snapshots one run wrote. */
  runId?: RunId;
  from?: Date;
  to?: Date;
}

/** Every snapshot (oldest first per campaign), optionally one campaign and a time window. */
export async function readSnapshots(sql: Sql, filter: HistoryFilter = {}): Promise<Snapshot[]> {
  const rows = await sql<SnapshotRow[]>`
    select run_id::text, key_id, as_of, command, in_scope, confirmed, exempt, pending_not_due, outstanding,
           outstanding_by_tier, snoozed, claimed, disputed, unknown_status, undated, top_teams
    from chaser_snapshots
    where (${filter.keyId ?? null}::text is null or key_id = ${filter.keyId ?? null}::text)
      and (${filter.runId ?? null}::bigint is null or run_id = ${filter.runId ?? null}::bigint)
      and (${filter.from ?? null}::timestamptz is null or as_of >= ${filter.from ?? null}::timestamptz)
      and (${filter.to ?? null}::timestamptz is null or as_of <= ${filter.to ?? null}::timestamptz)
    order by key_id, as_of, run_id`;
  return rows.map(toSnapshot);
}

export async function readResolutionStats(sql: Sql, filter: HistoryFilter = {}): Promise<TeamResolutionStats[]> {
  const rows = await sql<
    {
      key_id: string;
      team: string;
      resolved: number;
      confirmed: number;
      exempt: number;
      removed: number;
      from_deadline: number | null;
      from_nudge: number | null;
    }[]
  >`
    select coalesce(key_id, '(unknown key)') as key_id, coalesce(team, '(no team)') as team,
           count(*)::int as resolved,
           count(*) filter (where how = 'confirmed')::int as confirmed,
           count(*) filter (where how = 'exempt')::int as exempt,
           count(*) filter (where how = 'removed')::int as removed,
           (percentile_cont(0.5) within group (order by extract(epoch from (left_at - deadline)) / 86400))::float8 as from_deadline,
           (percentile_cont(0.5) within group (order by extract(epoch from (left_at - first_nudged_at)) / 86400))::float8 as from_nudge
    from chaser_resolutions
    where (${filter.keyId ?? null}::text is null or key_id = ${filter.keyId ?? null}::text)
      and (${filter.from ?? null}::timestamptz is null or left_at >= ${filter.from ?? null}::timestamptz)
      and (${filter.to ?? null}::timestamptz is null or left_at <= ${filter.to ?? null}::timestamptz)
    group by 1, 2
    order by 1, from_deadline desc nulls last, 2`;
  return rows.map((row) => ({
    keyId: row.key_id,
    team: row.team,
    resolved: row.resolved,
    confirmed: row.confirmed,
    exempt: row.exempt,
    removed: row.removed,
    medianDaysFromDeadline: row.from_deadline,
    medianDaysFromFirstNudge: row.from_nudge,
  }));
}

function toSnapshot(row: SnapshotRow): Snapshot {
  return {
    runId: row.run_id,
    keyId: row.key_id,
    asOf: row.as_of,
    command: row.command,
    inScope: row.in_scope,
    confirmed: row.confirmed,
    exempt: row.exempt,
    pendingNotDue: row.pending_not_due,
    outstanding: row.outstanding,
    outstandingByTier: row.outstanding_by_tier,
    snoozed: row.snoozed,
    claimed: row.claimed,
    disputed: row.disputed,
    unknownStatus: row.unknown_status,
    undated: row.undated,
    topTeams: row.top_teams,
  };
}
