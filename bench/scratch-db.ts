import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';
import type { BenchSize } from './options.js';

export type Sql = postgres.Sql;

/** Every run of the bench evaluates as of this instant: the data is seeded around it. */
export const BENCH_NOW = new Date('2026-03-10T09:00:00Z');

/** Tables chaser writes; autovacuum is off on them so no background worker runs inside a measurement. */
const BENCH_TABLES = ['rotation_consumers', 'chaser_nudge_state', 'chaser_nudge_log', 'chaser_runs'] as const;

export interface ScratchDatabase {
  name: string;
  url: string;
  /** A short-lived pool on the scratch database; end it before a measurement window (see serverActiveMs). */
  open(): Sql;
  drop(): Promise<void>;
}

/** A uniquely named database on the server of `adminUrl`, owned by its user. */
export async function createScratchDatabase(admin: Sql, adminUrl: string): Promise<ScratchDatabase> {
  const name = `chaser_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin`create database ${admin(name)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    open: () => postgres(url.toString(), { max: 4, onnotice: () => {}, connection: { application_name: 'chaser-bench' } }),
    async drop() {
      await admin`drop database if exists ${admin(name)} with (force)`;
    },
  };
}

/**
 * The inventory, in one server-side statement. Consumer i (1…N) belongs to team (i-1) mod T, so
 * every team has N/T consumers, spread through the table as in a real inventory. What else a row
 * is comes from hashes of i, not from i mod something, so it is independent of the team (with
 * i mod 10, every tenth team would be wholly confirmed). Of the rows: 10 % confirmed; 5 % pending
 * with a deadline still 5 days ahead; 1 % snoozed for 2 more days; the rest pending with a
 * deadline between 1 h and 30 days ago, so every tier is populated.
 */
export async function seedInventory(sql: Sql, size: BenchSize): Promise<void> {
  await sql`
    insert into rotation_consumers (id, name, owner_team, key_id, status, rotation_deadline, snoozed_until)
    select 'c' || lpad(i::text, 8, '0'),
           'service-' || i,
           ${teamKeyPrefix} || lpad(((i - 1) % ${size.teams}::int)::text, 5, '0'),
           'kms/bench-key-' || (i % 3),
           case when r < 10 then 'confirmed' else 'pending' end,
           case when r between 10 and 14 then ${BENCH_NOW}::timestamptz + interval '5 days'
                else ${BENCH_NOW}::timestamptz - make_interval(hours => 1 + ((hashint4extended(i, 7) % 720 + 720) % 720)::int) end,
           case when r = 15 then ${BENCH_NOW}::timestamptz + interval '2 days' end
    from generate_series(1, ${size.consumers}::int) as i,
         lateral (select ((hashint4(i) % 100 + 100) % 100)::int as r) as pick`;
  for (const table of BENCH_TABLES) await sql`alter table ${sql(table)} set (autovacuum_enabled = false)`;
  await sql`vacuum analyze rotation_consumers`;
}

export const teamKeyPrefix = 'team-';

/** The config key of team number `index` (0-based), as the seed writes it. */
export function teamKey(index: number): string {
  return `${teamKeyPrefix}${String(index).padStart(5, '0')}`;
}

/**
 * Puts chaser's own tables back to the same starting point before every measured phase: empty log
 * and runs, and half of the consumers overdue by more than 4 days already nudged once, 4 days ago
 * (so the phase's write is half updates, half inserts). 4 days is past every default cadence
 * (at most 72 h): every outstanding consumer that is not snoozed is due.
 */
export async function resetChaserState(sql: Sql): Promise<{ previouslyNudged: number }> {
  // cascade: every later table that references chaser_runs (threads, answers, scheduled nudges, escalations) is emptied too.
  await sql`truncate chaser_snapshots, chaser_resolutions, chaser_tracked_consumers, chaser_nudge_log, chaser_nudge_state, chaser_runs restart identity cascade`;
  const result = await sql`
    insert into chaser_nudge_state (consumer_id, nudge_count, first_nudged_at, last_nudged_at, last_tier)
    select id, 1, ${BENCH_NOW}::timestamptz - interval '10 days', ${BENCH_NOW}::timestamptz - interval '4 days', 'gentle'
    from rotation_consumers
    where status = 'pending'
      and rotation_deadline < ${BENCH_NOW}::timestamptz - interval '4 days'
      and hashint4extended(substr(id, 2)::int, 11) % 2 = 0`;
  await sql`vacuum analyze chaser_nudge_state, chaser_nudge_log, chaser_runs`;
  return { previouslyNudged: result.count };
}

/** What every phase should find: outstanding (pending, overdue) and due (not snoozed) consumers. */
export async function expectedWork(sql: Sql): Promise<{ outstanding: number; due: number }> {
  const [row] = await sql<{ outstanding: number; due: number }[]>`
    select count(*)::int as outstanding,
           count(*) filter (where snoozed_until is null or snoozed_until <= ${BENCH_NOW}::timestamptz)::int as due
    from rotation_consumers
    where status = 'pending' and rotation_deadline < ${BENCH_NOW}::timestamptz`;
  return row ?? { outstanding: 0, due: 0 };
}

/**
 * Sessions (connections) ever established to the database, from pg_stat_database. A backend
 * reports its session when it ends, so read this once the measured step's sessions are gone.
 */
export async function sessionsOpened(admin: Sql, database: string): Promise<number> {
  const [row] = await admin<{ sessions: number }[]>`
    select coalesce(sessions, 0)::int as sessions from pg_stat_database where datname = ${database}`;
  return row?.sessions ?? 0;
}

/** Waits until no backend is connected to `database` (a client's `end()` returns before its backend has exited). */
export async function waitForNoSessions(admin: Sql, database: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const [row] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${database}`;
    if ((row?.n ?? 0) === 0) {
      // The exiting backend flushes its statistics as it goes; give it a beat after it left the list.
      await delay(50);
      return;
    }
    await delay(25);
  }
  throw new Error(`sessions still connected to ${database} after 5 s`);
}
