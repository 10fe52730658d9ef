import type { RunRecordOutcome } from '../run/outcome.js';
import type { RunMode } from '../run/types.js';
import type { Sql } from './connect.js';

/** chaser_runs.id (a bigint, kept in its text form as postgres.js returns it). */
export type RunId = string;

export interface RunStart {
  /** sweep or digest (dry-run records nothing). */
  command: RunMode;
  /** The instant the run evaluates (the clock or --now). */
  now: Date;
  filters: { teams?: string[]; keyId?: string };
  /** chaser's version and a hash of its config, for the evidence pack. */
  version?: string;
  configHash?: string;
}

/**
 * Opens the run's record before anything is sent, so every logged nudge points at a run, and a run
 * that dies half-way is still visible (finished_at stays null).
 */
export async function startRun(sql: Sql, run: RunStart): Promise<RunId> {
  const filters = storedFilters(run.filters);
  const [row] = await sql<{ id: string }[]>`
    insert into chaser_runs (command, as_of, filters, chaser_version, config_hash)
    values (${run.command}::text, ${run.now}::timestamptz, ${sql.json(filters)}, ${run.version ?? null}::text, ${run.configHash ?? null}::text)
    returning id::text as id`;
  if (!row) throw new Error('startRun: insert returned no row');
  return row.id;
}

/** Writes what the run ended as (decideOutcome's record); `outcome.outcome` already redacted by the caller. */
/** What the budget held back and how many escalations went out (migration 0006). */
export interface RunPacingRecord {
  held: ReadonlyArray<{ team: string; tier: string; consumers: number; why: string }>;
  escalated: number;
}

export async function finishRun(sql: Sql, id: RunId, outcome: RunRecordOutcome, pacing?: RunPacingRecord): Promise<void> {
  const held = pacing ? pacing.held.map(({ team, tier, consumers, why }) => ({ team, tier, consumers, why })) : null;
  const result = await sql`
    update chaser_runs set
      finished_at = now(),
      ${pacing ? sql`nudges_held = ${pacing.held.length}::int, held = ${sql.json(held ?? [])}, escalated = ${pacing.escalated}::int,` : sql``}
      outstanding = ${outcome.outstanding}::int,
      nudged = ${outcome.nudged}::int,
      teams_messaged = ${outcome.teamsMessaged}::int,
      teams_failed = ${outcome.teamsFailed}::int,
      digest_delivered = ${outcome.digestDelivered}::boolean,
      exit_code = ${outcome.exitCode}::int,
      outcome = ${outcome.outcome}::text
    where id = ${id}::bigint`;
  if (result.count !== 1) throw new Error(`finishRun: run ${id} not found`);
}

/** The filters as chaser_runs.filters holds them: absent ones left out, so `{}` is an unfiltered run. */
function storedFilters(filters: RunStart['filters']): { teams?: string[]; keyId?: string } {
  return {
    ...(filters.teams && filters.teams.length > 0 ? { teams: filters.teams } : {}),
    ...(filters.keyId !== undefined ? { keyId: filters.keyId } : {}),
  };
}

/**
 * The instant (as_of) of the last sweep with the same filters that delivered its digest, other
 * than `exceptRun`; null when there is none. What the digest period is measured from.
 */
export async function lastSweepDigestAt(sql: Sql, filters: RunStart['filters'], exceptRun: RunId): Promise<Date | null> {
  const [row] = await sql<{ at: Date | null }[]>`
    select max(as_of) as at from chaser_runs
    where command = 'sweep' and digest_delivered and filters = ${sql.json(storedFilters(filters))}
      and id <> ${exceptRun}::bigint`;
  return row?.at ?? null;
}
