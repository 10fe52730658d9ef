import { ChaserError, ExitCode } from '../exit-codes.js';
import type { Sql } from './connect.js';
import { latestMigrationVersion, schemaTooNew } from './migrate.js';

const CHASER_TABLES = ['chaser_migrations', 'chaser_nudge_state', 'chaser_nudge_log', 'chaser_runs', 'chaser_scheduled_nudges'] as const;

/**
 * Refuses to run against a database whose chaser schema is missing or not the one this code was
 * written for: a sweep on an old schema could half-record nudges, one on a newer schema could
 * misread state written by a newer chaser. `allowAbsent` (dry-run): a database where `migrate` never
 * ran at all is accepted and reported as `absent`, so a first read-only look needs no schema.
 */
export async function assertSchemaCurrent(sql: Sql, options: { allowAbsent?: boolean } = {}): Promise<{ version: number; absent?: true }> {
  const expected = await latestMigrationVersion();
  const missing = await findMissingTables(sql, CHASER_TABLES);
  // Every table absent (migrate never ran) is a database chaser has no memory of yet, which a
  // read-only look may treat as exactly that. Some absent is a damaged install: refused always.
  if (options.allowAbsent && missing.length === CHASER_TABLES.length) return { version: 0, absent: true };
  if (missing.length > 0) {
    throw new ChaserError(ExitCode.unavailable, "chaser's tables are not in this database", [
      `missing: ${missing.join(', ')}`,
      'fix: run `chaser migrate` first (with the same DATABASE_URL / database.url)',
    ]);
  }
  const version = await readSchemaVersion(sql);
  if (version > expected) throw schemaTooNew(version, expected);
  if (version < expected) {
    throw new ChaserError(
      ExitCode.unavailable,
      `the database schema (version ${version}) is older than this chaser (version ${expected})`,
      ['fix: run `chaser migrate`'],
    );
  }
  return { version };
}

/** Which of these unqualified table names do not resolve, as chaser's queries would resolve them: through the search_path. */
export async function findMissingTables(sql: Sql, names: readonly string[]): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select t.name from unnest(${[...names]}::text[]) as t(name)
    where to_regclass(quote_ident(t.name)) is null
    order by t.name`;
  return rows.map((row) => row.name);
}

export async function readSchemaVersion(sql: Sql): Promise<number> {
  const [row] = await sql<{ version: number }[]>`select coalesce(max(version), 0)::int as version from chaser_migrations`;
  return row?.version ?? 0;
}
