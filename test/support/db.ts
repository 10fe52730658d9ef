import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

/** Which backend the integration tests run on; put it in describe() names so reports say so. */
export const backend: 'postgres' | 'pglite' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase {
  /** Connectable from a child process (the CLI) while `sql` stays open here. */
  url: string;
  sql: Sql;
  /** Empties chaser's tables and the default inventory table (cheap: call it in beforeEach). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One database per call: with TEST_DATABASE_URL a freshly created, uniquely named database on that
 * server (dropped on stop), so test files run in parallel without seeing each other's rows;
 * without it an embedded PGlite booted from a cached template (about 0.5 s; one per test file,
 * reset between tests).
 * Migrated unless `{ migrated: false }`.
 */
export async function startTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  // PGlite boots from a template already migrated by the same migrate() (or a bare one): no
  // initdb and no migrations per file (src/db/embedded-template.ts).
  const server = process.env.TEST_DATABASE_URL
    ? await createScratchDatabase(process.env.TEST_DATABASE_URL)
    : await startEmbeddedPostgres({ env: process.env, schema: migrated ? 'migrated' : 'empty' });
  // Small pool: PGlite serialises everything anyway, and real PG is shared by parallel test files.
  const sql = connect(server.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 4 });
  if (migrated && process.env.TEST_DATABASE_URL) await migrate(sql);
  return {
    url: server.url,
    sql,
    async reset() {
      await sql`truncate chaser_dispute_posts, chaser_inventory_responses, chaser_inventory_marks, chaser_escalations, chaser_team_messages, chaser_snapshots, chaser_resolutions, chaser_tracked_consumers, chaser_scheduled_nudges, chaser_ack_events, chaser_threads, chaser_nudge_log, chaser_nudge_state, chaser_runs, rotation_consumers restart identity`;
    },
    async stop() {
      await sql.end({ timeout: 5 });
      await server.stop();
    },
  };
}

async function createScratchDatabase(adminUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const name = `chaser_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      // force: a child process that was killed mid-test may not have closed its connection yet.
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * One scratch database for the calling describe block: started before its tests, emptied before
 * each, stopped after. Use it inside describe(); its fields are there once the tests run.
 */
export function useTestDatabase(): TestDatabase {
  let db: TestDatabase | undefined;
  const started = (): TestDatabase => {
    if (!db) throw new Error('useTestDatabase: the database is there only inside the tests');
    return db;
  };
  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    await started().reset();
  });
  return {
    get url() {
      return started().url;
    },
    get sql() {
      return started().sql;
    },
    reset: () => started().reset(),
    stop: () => started().stop(),
  };
}

/** A row of the default inventory table; everything but id and deadline has a plain default. */
export interface InventoryRow {
  id: string;
  rotation_deadline: Date;
  name?: string;
  owner_team?: string;
  key_id?: string;
  status?: string;
  snoozed_until?: Date | null;
}

export async function insertConsumers(sql: Sql, rows: InventoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  const full = rows.map((row) => ({
    id: row.id,
    name: row.name ?? row.id,
    owner_team: row.owner_team ?? 'payments',
    key_id: row.key_id ?? 'kms/test-key-2026-01',
    status: row.status ?? 'pending',
    rotation_deadline: row.rotation_deadline,
    snoozed_until: row.snoozed_until ?? null,
  }));
  await sql`insert into rotation_consumers ${sql(full)}`;
}
