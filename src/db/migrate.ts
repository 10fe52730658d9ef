import { readdir, readFile } from 'node:fs/promises';
import { ChaserError, ExitCode } from '../exit-codes.js';
import type { Sql } from './connect.js';

/** Shipped with the package (see package.json "files"); the same path from src/db/ and dist/db/. */
const SQL_DIR = new URL('../../sql/', import.meta.url);
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_-]+)\.sql$/i;
/** The contract's default inventory table: not a numbered migration (see createDefaultInventory). */
const DEFAULT_INVENTORY_FILE = new URL('inventory/rotation_consumers.sql', SQL_DIR);

/**
 * Advisory lock key of `chaser migrate`: the pair (0x63686173 = "chas", 1). Visible in pg_locks as
 * classid 1667785075, objid 1. The sweep lock is the same class with objid 2 (lock.ts).
 */
export const MIGRATION_LOCK = { classId: 1667785075, objectId: 1 } as const;

export interface Migration {
  version: number;
  /** The file name without `.sql`, e.g. "0001_init". */
  name: string;
  file: URL;
}

/** The migrations this chaser ships, in version order. */
export async function listMigrations(): Promise<Migration[]> {
  const files = await readdir(SQL_DIR);
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    migrations.push({ version: Number(match[1]), name: file.slice(0, -'.sql'.length), file: new URL(file, SQL_DIR) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new Error(`two migrations share version ${migrations[i]?.version}: a packaging bug`);
    }
  }
  return migrations;
}

/** The schema version this chaser expects: the highest migration it ships. */
export async function latestMigrationVersion(): Promise<number> {
  return (await listMigrations()).at(-1)?.version ?? 0;
}

/**
 * Applies every shipped migration the database has not seen, in order, each in its own transaction
 * together with the row that records it. Each transaction first takes a transaction-scoped advisory
 * lock, so two migrators started at once queue up: the second finds the work done and applies
 * nothing (even the migrations table's own CREATE happens under the lock, where a concurrent
 * "create table if not exists" could otherwise collide).
 */
export interface MigrateOptions {
  /**
   * Also create the contract's default inventory table (rotation_consumers) when it is absent:
   * what `chaser migrate` asks for when source.table is that default, and only then. Default true
   * (the demo, the tests).
   */
  defaultInventory?: boolean;
}

export async function migrate(
  sql: Sql,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; current: number; createdInventory: boolean }> {
  const migrations = await listMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  const applied: string[] = [];
  let current = 0;
  for (const migration of migrations) {
    const text = await readFile(migration.file, 'utf8');
    current = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK.classId}::int4, ${MIGRATION_LOCK.objectId}::int4)`;
      // Schema changes on a large inventory may outlast the sweep's statement budget.
      await tx`set local statement_timeout = 0`;
      await tx`create table if not exists chaser_migrations (
        version    integer primary key,
        name       text not null,
        applied_at timestamptz not null default now()
      )`;
      const [row] = await tx<{ version: number }[]>`select coalesce(max(version), 0)::int as version from chaser_migrations`;
      const found = row?.version ?? 0;
      if (found > latest) throw schemaTooNew(found, latest);
      if (found >= migration.version) return found;
      // simple(): a migration file holds several statements, which only the simple protocol accepts.
      await tx.unsafe(text).simple();
      await tx`insert into chaser_migrations (version, name) values (${migration.version}, ${migration.name})`;
      applied.push(migration.name);
      return migration.version;
    });
  }
  const createdInventory = options.defaultInventory === false ? false : await createDefaultInventory(sql);
  return { applied, current, createdInventory };
}

/**
 * The default inventory table, when absent (true when this call created it). The user's table,
 * not chaser's schema: 0001 used to create it unconditionally, which gave every mapped
 * inventory an empty rotation_consumers beside it. It is applied on every `chaser migrate`
 * whose config uses the default table (not recorded as a migration), so a config that switches
 * to the default table later still gets it, and an existing table is never touched.
 */
async function createDefaultInventory(sql: Sql): Promise<boolean> {
  const text = await readFile(DEFAULT_INVENTORY_FILE, 'utf8');
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK.classId}::int4, ${MIGRATION_LOCK.objectId}::int4)`;
    await tx`set local statement_timeout = 0`;
    const [row] = await tx<{ exists: boolean }[]>`select to_regclass('rotation_consumers') is not null as exists`;
    if (row?.exists) return false;
    await tx.unsafe(text).simple();
    return true;
  });
}

export function schemaTooNew(found: number, expected: number): ChaserError {
  return new ChaserError(
    ExitCode.unavailable,
    `the database schema (version ${found}) is newer than this chaser (version ${expected}): upgrade chaser`,
    ['fix: run a chaser release that ships migration ' + String(found).padStart(4, '0') + ' or later'],
  );
}
