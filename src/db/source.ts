import type { SourceColumns, SourceConfig } from '../config/types.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import type { Sql } from './connect.js';

export interface SourceShape {
  /** The table as resolved in the catalog, "schema.table". */
  table: string;
  /** False when the mapped snoozedUntil column is absent: that table simply has no snoozing. */
  hasSnoozedUntil: boolean;
  /**
   * True when a primary key or unique index covers exactly the id column: duplicate ids cannot
   * occur, so the planner need not remember every id it has seen (a million ids is ~70 MB).
   */
  idIsUnique: boolean;
}

/** Types a timestamptz cast accepts as they are (timestamp is read in the session's TimeZone). */
const TIME_TYPES = new Set(['timestamp with time zone', 'timestamp without time zone', 'date', 'text', 'character varying', 'character']);
const TIME_COLUMNS = ['deadline', 'snoozedUntil'] as const satisfies readonly (keyof SourceColumns)[];

/**
 * Checks the user's inventory table against the config's mapping before any query touches it, so
 * a typo is a config error naming its path (exit 78), not an SQL error mid-run.
 */
export async function inspectSource(sql: Sql, source: SourceConfig): Promise<SourceShape> {
  const { schema, name } = splitTableName(source.table);
  assertIdentifiersUsable(source.columns);
  const rows = await sql<{ schema: string; table: string; column: string | null; type: string | null }[]>`
    with ${targetTable(sql, schema, name)}
    select t.nspname as schema, t.relname as table, a.attname as column,
           pg_catalog.format_type(coalesce(nullif(ty.typbasetype, 0), a.atttypid), null) as type
    from target t
    left join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
    left join pg_catalog.pg_type ty on ty.oid = a.atttypid`;
  const first = rows[0];
  if (!first) {
    throw new ChaserError(ExitCode.config, `source.table: table "${source.table}" does not exist`, [
      schema === null
        ? 'fix: create it with `chaser migrate` (default table rotation_consumers), or set source.table to your inventory table (schema-qualified, e.g. "inventory.consumers", when it is not on the search_path)'
        : `fix: check the schema and table name (names are case-sensitive, exactly as in the catalog), or set source.table to your inventory table`,
    ]);
  }
  const table = `${first.schema}.${first.table}`;
  const types = new Map(rows.filter((row) => row.column !== null).map((row) => [row.column as string, row.type ?? '']));

  const problems: string[] = [];
  for (const [key, column] of Object.entries(source.columns) as [keyof SourceColumns, string][]) {
    if (key === 'snoozedUntil') continue;
    if (!types.has(column)) problems.push(`source.columns.${key}: column "${column}" does not exist in table "${source.table}"`);
  }
  for (const key of TIME_COLUMNS) {
    const type = types.get(source.columns[key]);
    if (type !== undefined && !TIME_TYPES.has(type)) {
      problems.push(`source.columns.${key}: column "${source.columns[key]}" of table "${source.table}" has type ${type}; chaser needs timestamptz, timestamp or date`);
    }
  }
  throwIfAny(problems, `fix: map each key under source.columns to a column of ${table} (existing columns: ${[...types.keys()].join(', ')})`);
  return { table, hasSnoozedUntil: types.has(source.columns.snoozedUntil), idIsUnique: await hasUniqueIndexOn(sql, schema, name, source.columns.id) };
}

async function hasUniqueIndexOn(sql: Sql, schema: string | null, name: string, column: string): Promise<boolean> {
  const [row] = await sql<{ unique: boolean }[]>`
    with ${targetTable(sql, schema, name)}
    select exists (
      select 1
      from target t
      join pg_catalog.pg_index x on x.indrelid = t.oid and x.indisunique and x.indisvalid and x.indpred is null and x.indnkeyatts = 1
      join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
      where a.attname = ${column}::text
    ) as unique`;
  return row?.unique === true;
}

/**
 * An index on the source table whose leading column is the status or the deadline column (the
 * sweep's filters), status-led preferred; null when there is none, which `chaser doctor` reports.
 */
export async function findSweepIndex(sql: Sql, source: SourceConfig): Promise<string | null> {
  const { schema, name } = splitTableName(source.table);
  const { status, deadline } = source.columns;
  const [row] = await sql<{ name: string }[]>`
    with ${targetTable(sql, schema, name)}
    select i.relname as name
    from target t
    join pg_catalog.pg_index x on x.indrelid = t.oid and x.indisvalid
    join pg_catalog.pg_class i on i.oid = x.indexrelid
    join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
    where a.attname = any(${[status, deadline]}::text[])
    order by (a.attname = ${status}::text) desc, i.relname
    limit 1`;
  return row?.name ?? null;
}

/**
 * `target(oid, nspname, relname)`: the table as PostgreSQL would resolve the same name in a query:
 * exactly that schema when qualified, else the first schema of the search_path holding it.
 * Names compare exactly (postgres.js quotes identifiers, so case is significant).
 */
function targetTable(sql: Sql, schema: string | null, name: string) {
  return sql`target as (
    select c.oid, n.nspname, c.relname
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relname = ${name}::text
      and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and case when ${schema}::text is null then n.nspname = any(pg_catalog.current_schemas(false))
               else n.nspname = ${schema}::text end
    order by pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname)
    limit 1
  )`;
}

/** "inventory.consumers" → schema + table; postgres.js `sql(name)` splits on the dot the same way. */
export function splitTableName(table: string): { schema: string | null; name: string } {
  const parts = table.split('.');
  if (parts.length === 1 && parts[0]) return { schema: null, name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { schema: parts[0], name: parts[1] };
  throw new ChaserError(ExitCode.config, `source.table: "${table}" is not a table name`, ['fix: write "table" or "schema.table" (names with a dot of their own cannot be used)']);
}

/**
 * postgres.js quotes an identifier by splitting it on dots ("a.b" → "a"."b"), which is what makes
 * "schema.table" work, but turns a column named "a.b" into a reference to table a. Refuse those
 * up front instead of failing with a confusing SQL error.
 */
function assertIdentifiersUsable(columns: SourceColumns): void {
  const problems = (Object.entries(columns) as [keyof SourceColumns, string][])
    .filter(([, column]) => column.includes('.') || column.length === 0)
    .map(([key, column]) => `source.columns.${key}: "${column}" cannot be used as a column name (empty, or containing a dot)`);
  throwIfAny(problems, 'fix: rename the column, or point source.table at a view that renames it');
}

/** Mapping problems as one config error (78): the first is the message, the rest and the fix its details. */
function throwIfAny(problems: readonly string[], fix: string): void {
  const [message, ...others] = problems;
  if (message !== undefined) throw new ChaserError(ExitCode.config, message, [...others, fix]);
}
