import type { SourceColumns, SourceConfig } from '../config/types.js';
import { ChaserError, ExitCode } from '../exit-codes.js';
import { printable } from '../printable.js';
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
  /** How the deadline column is read (see TimeKind). */
  deadlineKind: TimeKind;
  /** How the snoozedUntil column is read; null when the table has none. */
  snoozedUntilKind: TimeKind | null;
  /** How the lastSeenOnOldKey column is read; null when none is mapped (no evidence is read). */
  lastSeenKind: TimeKind | null;
}

/**
 * How a time column is read:
 * - instant: timestamptz, compared and read as it is;
 * - local: timestamp without time zone or date, read as UTC (not in the session's TimeZone, which
 *   would make the same row overdue at different instants from different machines);
 * - text: read as text and parsed by chaser (ISO 8601; no zone = UTC), row by row, so one
 *   unreadable value is one reported row, not a failed query.
 */
export type TimeKind = 'instant' | 'local' | 'text';

const TIME_KINDS: ReadonlyMap<string, TimeKind> = new Map([
  ['timestamp with time zone', 'instant'],
  ['timestamp without time zone', 'local'],
  ['date', 'local'],
  ['text', 'text'],
  ['character varying', 'text'],
  ['character', 'text'],
]);
const TIME_COLUMNS = ['deadline', 'snoozedUntil', 'lastSeenOnOldKey'] as const satisfies readonly (keyof SourceColumns)[];

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
  for (const [key, column] of mappedColumns(source.columns)) {
    if (key === 'snoozedUntil') continue;
    if (!types.has(column)) problems.push(`source.columns.${key}: column "${column}" does not exist in table "${source.table}"`);
  }
  for (const key of TIME_COLUMNS) {
    const column = source.columns[key];
    const type = column === undefined ? undefined : types.get(column);
    if (type !== undefined && !TIME_KINDS.has(type)) {
      problems.push(
        `source.columns.${key}: column "${column}" of table "${source.table}" has type ${type}; chaser needs timestamptz, timestamp, date or ISO 8601 text`,
      );
    }
  }
  throwIfAny(
    problems,
    `fix: map each key under source.columns to a column of ${table} (existing columns: ${[...types.keys()].map(printable).join(', ')})`,
  );
  const snoozedType = types.get(source.columns.snoozedUntil);
  return {
    table,
    hasSnoozedUntil: snoozedType !== undefined,
    idIsUnique: await hasUniqueIndexOn(sql, schema, name, source.columns.id),
    deadlineKind: TIME_KINDS.get(types.get(source.columns.deadline) ?? '') ?? 'instant',
    snoozedUntilKind: snoozedType === undefined ? null : (TIME_KINDS.get(snoozedType) ?? 'instant'),
    lastSeenKind:
      source.columns.lastSeenOnOldKey === undefined
        ? null
        : (TIME_KINDS.get(types.get(source.columns.lastSeenOnOldKey) ?? '') ?? 'instant'),
  };
}

/**
 * A time column as a timestamptz expression, for SQL comparisons (instant and local kinds only:
 * a text column is never cast in SQL, where one bad value would fail the whole statement).
 */
export function instantOf(sql: Sql, column: string, kind: Exclude<TimeKind, 'text'>) {
  return kind === 'instant' ? sql`consumer.${sql(column)}::timestamptz` : sql`(consumer.${sql(column)}::timestamp at time zone 'UTC')`;
}

/**
 * The column as an instant in a set-based statement, read as the row reader reads it (date and
 * timestamp as UTC). A text column becomes NULL unless it looks like ISO 8601 (a value with no
 * zone is UTC), so one value like "next tuesday" cannot fail the statement; the row reader
 * reports such rows.
 */
export function setInstantOf(sql: Sql, column: string, kind: TimeKind) {
  if (kind !== 'text') return instantOf(sql, column, kind);
  const text = sql`btrim(consumer.${sql(column)}::text)`;
  return sql`(case
    when ${text} ~ ${ISO_WITH_ZONE} then ${text}::timestamptz
    when ${text} ~ ${ISO_WITHOUT_ZONE} then (${text}::timestamp at time zone 'UTC')
    when ${text} in ('infinity', '-infinity') then ${text}::timestamptz
  end)`;
}

const ISO_DATE = String.raw`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])`;
const ISO_TIME = String.raw`([ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?)`;
const ISO_WITHOUT_ZONE = `${ISO_DATE}${ISO_TIME}?$`;
const ISO_WITH_ZONE = String.raw`${ISO_DATE}${ISO_TIME}(Z|[+-]\d{2}(:?\d{2})?)$`;

/**
 * For doctor: how many rows of the source have a lastSeenOnOldKey value, and how many of those
 * chaser cannot read as an instant (an infinity; for a text column, anything not ISO 8601), in
 * one statement that cannot fail on a bad value (nothing is cast).
 */
export async function countLastSeenValues(sql: Sql, source: SourceConfig, kind: TimeKind): Promise<{ set: number; unreadable: number }> {
  const column = source.columns.lastSeenOnOldKey;
  if (column === undefined) return { set: 0, unreadable: 0 };
  const value = sql`consumer.${sql(column)}`;
  const text = sql`btrim(${value}::text)`;
  const unreadable = kind === 'text' ? sql`not (${text} ~ ${ISO_WITH_ZONE} or ${text} ~ ${ISO_WITHOUT_ZONE})` : sql`not isfinite(${value})`;
  const [row] = await sql<{ set: string; unreadable: string }[]>`
    select count(${value})::text as set, count(*) filter (where ${value} is not null and ${unreadable})::text as unreadable
    from ${sql(source.table)} as consumer`;
  return { set: Number(row?.set ?? 0), unreadable: Number(row?.unreadable ?? 0) };
}

/**
 * `consumer.<deadline> < now` or NULL, as far as SQL can tell cheaply: for a text column nothing
 * is filtered here (chaser reads the value row by row), so callers get a superset.
 */
export function overdueOrUnset(sql: Sql, column: string, kind: TimeKind, now: Date) {
  if (kind === 'text') return sql`true`;
  return sql`(${instantOf(sql, column, kind)} < ${now}::timestamptz or consumer.${sql(column)} is null)`;
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
  throw new ChaserError(ExitCode.config, `source.table: "${table}" is not a table name`, [
    'fix: write "table" or "schema.table" (names with a dot of their own cannot be used)',
  ]);
}

/**
 * postgres.js quotes an identifier by splitting it on dots ("a.b" → "a"."b"), which is what makes
 * "schema.table" work, but turns a column named "a.b" into a reference to table a. Refuse those
 * up front instead of failing with a confusing SQL error.
 */
function assertIdentifiersUsable(columns: SourceColumns): void {
  const problems = mappedColumns(columns)
    .filter(([, column]) => column.includes('.') || column.length === 0)
    .map(([key, column]) => `source.columns.${key}: "${column}" cannot be used as a column name (empty, or containing a dot)`);
  throwIfAny(problems, 'fix: rename the column, or point source.table at a view that renames it');
}

/** The mapped columns as [key, column] (an optional key left unset is not mapped). */
function mappedColumns(columns: SourceColumns): [keyof SourceColumns, string][] {
  return (Object.entries(columns) as [keyof SourceColumns, string | undefined][]).filter(
    (entry): entry is [keyof SourceColumns, string] => entry[1] !== undefined,
  );
}

/** Mapping problems as one config error (78): the first is the message, the rest and the fix its details. */
function throwIfAny(problems: readonly string[], fix: string): void {
  const [message, ...others] = problems;
  if (message !== undefined) throw new ChaserError(ExitCode.config, message, [...others, fix]);
}
