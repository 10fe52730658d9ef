import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/connect.js';
import { listMigrations } from '../../src/db/migrate.js';
import { runCli, startCli, urlPassword, type CliOptions } from '../support/cli.js';
import { backend, startTestDatabase, type TestDatabase } from '../support/db.js';
import { closedPort } from '../support/ports.js';

/**
 * `chaser migrate` as an operator runs it: the built CLI, a scrubbed environment, a database
 * chaser has never touched. Each test starts from that database again (chaser's tables dropped).
 */

async function dropChaserSchema(sql: Sql): Promise<void> {
  // Every chaser_* table, whichever migrations this branch ships, and the default inventory.
  const tables = await sql<{ name: string }[]>`
    select tablename::text as name from pg_catalog.pg_tables
    where schemaname = current_schema() and (tablename like 'chaser%' or tablename = 'rotation_consumers')`;
  if (tables.length > 0) await sql`drop table if exists ${sql(tables.map((t) => t.name))} cascade`;
}

interface ColumnShape {
  type: string;
  nullable: boolean;
  default: string | null;
}

/** column → type, nullability and default, as the catalog has them. */
async function columnsOf(sql: Sql, table: string): Promise<Record<string, ColumnShape>> {
  const rows = await sql<{ name: string; type: string; nullable: boolean; default: string | null }[]>`
    select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
           pg_catalog.pg_get_expr(d.adbin, d.adrelid) as default
    from pg_catalog.pg_attribute a
    left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = to_regclass(${table}::text) and a.attnum > 0 and not a.attisdropped
    order by a.attnum`;
  return Object.fromEntries(rows.map((r) => [r.name, { type: r.type, nullable: r.nullable, default: r.default }]));
}

async function primaryKeyOf(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select a.attname as name
    from pg_catalog.pg_index x
    join pg_catalog.pg_attribute a on a.attrelid = x.indrelid and a.attnum = any(x.indkey)
    where x.indrelid = to_regclass(${table}::text) and x.indisprimary
    order by a.attnum`;
  return rows.map((r) => r.name);
}

const col = (type: string, nullable = false, defaultValue: string | null = null): ColumnShape => ({
  type,
  nullable,
  default: defaultValue,
});

describe(`chaser migrate (${backend})`, () => {
  let db: TestDatabase;
  let cwd: string;
  beforeAll(async () => {
    db = await startTestDatabase({ migrated: false });
    cwd = mkdtempSync(join(tmpdir(), 'chaser-migrate-'));
  });
  afterAll(async () => {
    await db?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await dropChaserSchema(db.sql);
    rmSync(join(cwd, 'chaser.config.json'), { force: true });
  });

  /** No config file in the directory: migrate needs only DATABASE_URL. */
  const options = (extra: CliOptions = {}): CliOptions => ({
    cwd,
    ...extra,
    env: { DATABASE_URL: db.url, ...extra.env },
    secrets: [...urlPassword(db.url), ...(extra.secrets ?? [])],
  });
  const migrateCli = (args: string[] = [], extra?: CliOptions) => runCli(['migrate', ...args], options(extra));

  it('creates the default schema of the contract on an empty database, without a config file', async () => {
    const run = await migrateCli();
    expect(run.code).toBe(0);
    const shipped = await listMigrations();
    expect(run.stdout).toBe(
      `applied ${shipped.length} migration(s): ${shipped.map((m) => m.name).join(', ')}; schema at version ${shipped.at(-1)?.version}\n` +
        'created the inventory table rotation_consumers (source.table is the default); fill it with your consumers\n',
    );
    expect(run.stderr).toBe('');

    expect(await columnsOf(db.sql, 'rotation_consumers')).toEqual({
      id: col('text'),
      name: col('text'),
      owner_team: col('text'),
      key_id: col('text'),
      status: col('text', false, "'pending'::text"),
      rotation_deadline: col('timestamp with time zone'),
      snoozed_until: col('timestamp with time zone', true),
    });
    expect(await primaryKeyOf(db.sql, 'rotation_consumers')).toEqual(['id']);

    expect(await columnsOf(db.sql, 'chaser_nudge_state')).toEqual({
      consumer_id: col('text'),
      nudge_count: col('integer'),
      first_nudged_at: col('timestamp with time zone'),
      last_nudged_at: col('timestamp with time zone'),
      last_tier: col('text', true),
    });
    expect(await primaryKeyOf(db.sql, 'chaser_nudge_state')).toEqual(['consumer_id']);

    const log = await columnsOf(db.sql, 'chaser_nudge_log');
    expect(Object.keys(log)).toEqual(['id', 'run_id', 'consumer_id', 'team', 'tier', 'channel', 'message_ts', 'nudged_at']);
    expect(log['consumer_id']).toEqual(col('text'));
    expect(log['nudged_at']).toEqual(col('timestamp with time zone'));

    const runs = await columnsOf(db.sql, 'chaser_runs');
    expect(Object.keys(runs)).toEqual(
      expect.arrayContaining(['id', 'command', 'started_at', 'finished_at', 'outstanding', 'nudged', 'exit_code', 'outcome']),
    );
    expect(runs['command']).toEqual(col('text'));
    expect(runs['finished_at']?.nullable).toBe(true);

    // The run commands accept the result at once.
    writeFileSync(
      join(cwd, 'chaser.config.json'),
      JSON.stringify({ teams: {}, fallbackChannel: '#security', digest: { channel: '#security' } }),
    );
    const dryRun = await runCli(['dry-run', '--now', '2026-03-10T09:00:00Z'], options());
    expect(dryRun.code).toBe(0);
  });

  it('run twice: the second applies nothing and still exits 0', async () => {
    expect((await migrateCli()).code).toBe(0);
    const again = await migrateCli();
    expect(again.code).toBe(0);
    const shipped = await listMigrations();
    expect(again.stdout).toBe(`schema is current (version ${shipped.at(-1)?.version}); nothing to apply\n`);
    const recorded = await db.sql<{ version: number; name: string }[]>`select version, name from chaser_migrations order by version`;
    expect(recorded).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
  });

  it('with a mapped source.table, creates no empty rotation_consumers beside it; switching to the default later does', async () => {
    await db.sql`drop schema if exists inventory cascade`;
    await db.sql`create schema inventory`;
    await db.sql`create table inventory.keys (id text primary key, name text, squad text, kms text, state text, due timestamptz)`;
    writeFileSync(
      join(cwd, 'chaser.config.json'),
      JSON.stringify({ source: { table: 'inventory.keys', columns: { team: 'squad', keyId: 'kms', status: 'state', deadline: 'due' } } }),
    );
    const shipped = await listMigrations();
    const run = await migrateCli();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `applied ${shipped.length} migration(s): ${shipped.map((m) => m.name).join(', ')}; schema at version ${shipped.at(-1)?.version}\n`,
    );
    expect(await db.sql`select to_regclass('rotation_consumers') as t`).toEqual([{ t: null }]);
    expect(await db.sql`select to_regclass('chaser_nudge_state')::text as t`).toEqual([{ t: 'chaser_nudge_state' }]);

    rmSync(join(cwd, 'chaser.config.json'));
    const later = await migrateCli();
    expect(later.stdout).toBe(
      `schema is current (version ${shipped.at(-1)?.version}); nothing to apply\n` +
        'created the inventory table rotation_consumers (source.table is the default); fill it with your consumers\n',
    );
    expect(await primaryKeyOf(db.sql, 'rotation_consumers')).toEqual(['id']);
    await db.sql`drop schema inventory cascade`;
  });

  it('leaves an existing inventory table and its rows alone', async () => {
    await db.sql`create table rotation_consumers (
      id text primary key, name text not null, owner_team text not null, key_id text not null,
      status text not null default 'pending', rotation_deadline timestamptz not null, snoozed_until timestamptz null)`;
    await db.sql`insert into rotation_consumers (id, name, owner_team, key_id, rotation_deadline) values ('keep-me', 'api', 'payments', 'k1', now())`;
    expect((await migrateCli()).code).toBe(0);
    expect(await db.sql`select id from rotation_consumers`).toEqual([{ id: 'keep-me' }]);
  });

  // PGlite serves every connection from one backend session, so two migrators there never truly race.
  it.skipIf(backend === 'pglite')(
    'two started at once both exit 0, and each migration is applied exactly once (real Postgres only)',
    async () => {
      const [a, b] = await Promise.all([startCli(['migrate'], options()).done, startCli(['migrate'], options()).done]);
      expect([a.code, b.code]).toEqual([0, 0]);
      // Between them they applied every shipped migration, none twice (however the two interleaved).
      const appliedBy = (stdout: string) => /^applied \d+ migration\(s\): (.*); schema at/.exec(stdout)?.[1]?.split(', ') ?? [];
      const shipped = (await listMigrations()).map((m) => m.name);
      expect([...appliedBy(a.stdout), ...appliedBy(b.stdout)].sort()).toEqual(shipped);
      const recorded = await db.sql<{ name: string }[]>`select name from chaser_migrations order by version`;
      expect(recorded.map((r) => r.name)).toEqual(shipped);
    },
  );

  it('uses database.url from a config file when DATABASE_URL is not set', async () => {
    writeFileSync(join(cwd, 'chaser.config.json'), JSON.stringify({ database: { url: db.url } }));
    const run = await runCli(['migrate'], { cwd, secrets: urlPassword(db.url) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`applied ${(await listMigrations()).length} migration(s)`);
  });

  it('an invalid config file is still refused (78), even though migrate needs only the database', async () => {
    writeFileSync(join(cwd, 'chaser.config.json'), JSON.stringify({ tiers: 'soon' }));
    const run = await migrateCli();
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/invalid config in .*chaser\.config\.json/);
    expect(run.stderr).toMatch(/^ {2}tiers: /m);
  });

  it('-q prints nothing when it succeeds', async () => {
    const run = await migrateCli(['-q']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
  });

  it('an unreachable database: 69, nothing on stdout, the password never shown', async () => {
    const url = `postgres://chaser:Migrate-pw-9@127.0.0.1:${await closedPort()}/chaser`;
    const run = await migrateCli([], { env: { DATABASE_URL: url }, secrets: ['Migrate-pw-9'] });
    expect(run.code).toBe(69);
    expect(run.stderr).toMatch(/cannot reach Postgres at 127\.0\.0\.1:\d+ \(connection refused\)/);
    expect(run.stderr).toMatch(/DATABASE_URL/);
    expect(run.stdout).toBe('');
  });

  it('a database migrated by a newer chaser: 69, "upgrade chaser", nothing applied', async () => {
    expect((await migrateCli()).code).toBe(0);
    await db.sql`insert into chaser_migrations (version, name) values (9999, '9999_from_the_future')`;
    const run = await migrateCli();
    expect(run.code).toBe(69);
    expect(run.stderr).toMatch(/newer than this chaser.*upgrade chaser/);
    const recorded = await db.sql<{ version: number }[]>`select version from chaser_migrations order by version`;
    expect(recorded).toEqual([...(await listMigrations()).map((m) => ({ version: m.version })), { version: 9999 }]);
  });
});
