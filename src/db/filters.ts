import type { Config } from '../config/types.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import { closestFirst } from '../policy/closest.js';
import type { RunFilters } from '../policy/types.js';
import { printable, printableJson } from '../printable.js';
import type { Sql } from './connect.js';

/** Suggestions shown for a filter that matches nothing. */
const SUGGESTIONS = 5;
/** Distinct values read to find them: bounded, since this runs only on the error path of a typo. */
const CANDIDATES_READ = 10_000;

/**
 * A typo in --team or --key must not pass the gate as "nothing outstanding": a --team that is
 * neither a configured team nor an owner in the inventory, or a --key no consumer has (in any
 * status), is a usage error (64) naming what exists, closest first.
 *
 * The common case costs one indexable existence probe per value (`exists (… where team = $1)`,
 * stopping at the first match); the distinct values are read only when a value matched nothing.
 */
export async function assertFiltersMatch(sql: Sql, config: Config, filters: RunFilters): Promise<void> {
  const { table, columns } = config.source;
  const configured = Object.keys(config.teams);
  const teamsToProbe = (filters.teams ?? []).filter((team) => !Object.hasOwn(config.teams, team));
  const problems: string[] = [];
  if (teamsToProbe.length > 0) {
    const missing = await sql<{ team: string }[]>`
      select wanted.team from unnest(${teamsToProbe}::text[]) with ordinality as wanted(team, n)
      where not exists (select 1 from ${sql(table)} as consumer where consumer.${sql(columns.team)}::text = wanted.team)
      order by wanted.n`;
    if (missing.length > 0) {
      const owners = await distinctValues(sql, table, columns.team);
      for (const { team } of missing) {
        problems.push(
          `--team ${printableJson(team)}: no such team in the config (teams) or among the inventory's owners (${columns.team})` +
            suggestion(team, [...configured, ...owners]),
        );
      }
    }
  }
  if (filters.keyId !== undefined) {
    const [found] = await sql<{ found: boolean }[]>`
      select exists (select 1 from ${sql(table)} as consumer where consumer.${sql(columns.keyId)}::text = ${filters.keyId}::text) as found`;
    if (found?.found !== true) {
      const keys = await distinctValues(sql, table, columns.keyId);
      problems.push(
        `--key ${printableJson(filters.keyId)}: no consumer has this key id (${columns.keyId}), in any status` +
          suggestion(filters.keyId, keys),
      );
    }
  }
  const [message, ...others] = problems;
  if (message === undefined) return;
  throw new ChaserError(ExitCode.usage, message, [
    ...others,
    'fix: check the spelling (values compare exactly, case included), or leave the filter out to see everything',
  ]);
}

async function distinctValues(sql: Sql, table: string, column: string): Promise<string[]> {
  const rows = await sql<{ value: string }[]>`
    select distinct consumer.${sql(column)}::text as value from ${sql(table)} as consumer
    where consumer.${sql(column)} is not null
    limit ${CANDIDATES_READ}`;
  // Shown to a person: printable, like every value from the database.
  return rows.map((row) => printable(row.value)).filter((value) => value !== '');
}

function suggestion(value: string, candidates: readonly string[]): string {
  const closest = closestFirst(value, candidates, SUGGESTIONS);
  if (closest.length === 0) return '; the inventory has none';
  return `; closest: ${closest.map((c) => printableJson(c)).join(', ')}`;
}
