import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { latestMigrationVersion, listMigrations, migrate } from '../../src/db/migrate.js';
import { assertSchemaCurrent } from '../../src/db/schema-version.js';
import { ChaserError } from '../../src/exit-codes.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';

/** Everything `chaser migrate` creates, so each test starts from a database chaser never touched. */
async function dropChaserSchema(sql: Sql): Promise<void> {
  // Every chaser_* table, whichever migrations this branch ships, and the default inventory.
  const tables = await sql<{ name: string }[]>`
    select tablename::text as name from pg_catalog.pg_tables
    where schemaname = current_schema() and (tablename like 'chaser%' or tablename = 'rotation_consumers')`;
  if (tables.length > 0) await sql`drop table if exists ${sql(tables.map((t) => t.name))} cascade`;
}

async function tablesOf(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select table_name::text as name from information_schema.tables
    where table_schema = current_schema() and (table_name like 'chaser%' or table_name = 'rotation_consumers')
    order by 1`;
  return rows.map((row) => row.name);
}

async function rejection(promise: Promise<unknown>): Promise<ChaserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChaserError);
  return error as ChaserError;
}

describe(`migrations on ${backend}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    await dropChaserSchema(db.sql);
  });

  it('ships 0001_init and knows its latest version from the files', async () => {
    const migrations = await listMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: '0001_init' });
    expect(await latestMigrationVersion()).toBe(migrations.at(-1)?.version);
  });

  it("creates the inventory table and chaser's tables, and a second run applies nothing", async () => {
    const shipped = await listMigrations();
    const latest = shipped.at(-1)?.version;
    const first = await migrate(db.sql);
    expect(first).toEqual({ applied: shipped.map((m) => m.name), current: latest, createdInventory: true });
    expect(await tablesOf(db.sql)).toEqual(
      expect.arrayContaining([
        'chaser_ack_events',
        'chaser_escalations',
        'chaser_inventory_marks',
        'chaser_inventory_responses',
        'chaser_migrations',
        'chaser_nudge_log',
        'chaser_nudge_state',
        'chaser_runs',
        'chaser_team_messages',
        'chaser_threads',
        'rotation_consumers',
      ]),
    );

    const second = await migrate(db.sql);
    expect(second).toEqual({ applied: [], current: latest, createdInventory: false });
    const recorded = await db.sql<{ version: number; name: string }[]>`select version, name from chaser_migrations order by version`;
    expect(recorded).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
  });

  it("defaultInventory: false (a mapped source.table) creates chaser's tables only", async () => {
    const shipped = await listMigrations();
    expect(await migrate(db.sql, { defaultInventory: false })).toEqual({
      applied: shipped.map((m) => m.name),
      current: shipped.at(-1)?.version,
      createdInventory: false,
    });
    const tables = await tablesOf(db.sql);
    expect(tables).toEqual(expect.arrayContaining(['chaser_migrations', 'chaser_nudge_log', 'chaser_nudge_state', 'chaser_runs']));
    expect(tables).not.toContain('rotation_consumers');
  });

  it('leaves an existing inventory table and its rows alone', async () => {
    await db.sql`create table rotation_consumers (id text primary key, name text not null, owner_team text not null,
      key_id text not null, status text not null default 'pending', rotation_deadline timestamptz not null, snoozed_until timestamptz)`;
    await db.sql`insert into rotation_consumers (id, name, owner_team, key_id, rotation_deadline) values ('kept', 'svc', 'team', 'k', now())`;
    await migrate(db.sql);
    expect(await db.sql`select id from rotation_consumers`).toEqual([{ id: 'kept' }]);
  });

  it('lets two migrators started at once both succeed, applying each migration exactly once', async () => {
    // Two pools = two connections (two backends on real Postgres, racing for the advisory lock).
    const other = connect(db.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 1 });
    try {
      const results = await Promise.all([migrate(db.sql), migrate(other)]);
      const shipped = await listMigrations();
      const latest = shipped.at(-1)?.version;
      expect(results.map((r) => r.current)).toEqual([latest, latest]);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(shipped.map((m) => m.name));
      expect(await db.sql`select version from chaser_migrations order by version`).toEqual(shipped.map((m) => ({ version: m.version })));
    } finally {
      await other.end();
    }
  });

  describe('assertSchemaCurrent', () => {
    it('on a database chaser never migrated: exit 69, "run `chaser migrate` first"', async () => {
      const error = await rejection(assertSchemaCurrent(db.sql));
      expect(error.exitCode).toBe(69);
      expect(error.message).toBe("chaser's tables are not in this database");
      expect(error.details.join('\n')).toContain('run `chaser migrate` first');
    });

    it("when one of chaser's tables was dropped: names it", async () => {
      await migrate(db.sql);
      await db.sql`drop table chaser_nudge_log`;
      const error = await rejection(assertSchemaCurrent(db.sql));
      expect(error.exitCode).toBe(69);
      expect(error.details).toContain('missing: chaser_nudge_log');
    });

    it('accepts the schema right after migrate', async () => {
      await migrate(db.sql);
      await expect(assertSchemaCurrent(db.sql)).resolves.toEqual({ version: await latestMigrationVersion() });
    });

    it('on a schema older than the code: exit 69, "run `chaser migrate`"', async () => {
      await migrate(db.sql);
      await db.sql`delete from chaser_migrations`;
      const error = await rejection(assertSchemaCurrent(db.sql));
      expect(error.exitCode).toBe(69);
      expect(error.message).toBe(`the database schema (version 0) is older than this chaser (version ${await latestMigrationVersion()})`);
      expect(error.details).toEqual(['fix: run `chaser migrate`']);
    });

    it('on a schema newer than the code: exit 69, "upgrade chaser", and migrate refuses too', async () => {
      await migrate(db.sql);
      await db.sql`insert into chaser_migrations (version, name) values (9999, '9999_from_the_future')`;
      const error = await rejection(assertSchemaCurrent(db.sql));
      expect(error.exitCode).toBe(69);
      expect(error.message).toBe(
        `the database schema (version 9999) is newer than this chaser (version ${await latestMigrationVersion()}): upgrade chaser`,
      );

      const refused = await rejection(migrate(db.sql));
      expect(refused.message).toBe(error.message);
    });
  });
});
