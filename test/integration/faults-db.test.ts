import { describe, expect, it } from 'vitest';
import { seedThreeTeams, serialConfig } from '../support/campaign.js';
import { nudgeCounts, runRows, stateLogMismatches } from '../support/chaser-state.js';
import { backend } from '../support/db.js';
import { closedPort, silentServer } from '../support/ports.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';
import { startSlackGate } from '../support/slack-gate.js';
import { waitFor } from '../support/wait.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();
/** A line of a JavaScript stack trace: never shown to a user without -v. */
const STACK_LINE = /^\s+at .+[:(]/m;

describe(`database faults (${backend})`, () => {
  const s = useScenario();

  it('Postgres unreachable at start: exit 69 within seconds, naming host:port, without a stack trace; nothing posted', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = await s.run(['sweep', '--now', ISO], { env: { DATABASE_URL: `postgres://chaser@127.0.0.1:${port}/chaser` } });
    expect(run.code).toBe(69);
    expect(Date.now() - started).toBeLessThan(15_000); // refused at once: no retry loop, no 10 s connect timeout
    expect(run.stderr).toContain(`cannot reach Postgres at 127.0.0.1:${port} (connection refused)`);
    expect(run.stderr).toMatch(/DATABASE_URL/); // says where the address came from
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(s.slack.calls('chat.postMessage')).toEqual([]);
  });

  it('a URL with several hosts, none answering: exit 69 naming them all, for sweep, migrate and doctor (postgres.js alone retries forever)', async () => {
    const [first, second] = [await closedPort(), await closedPort()];
    const url = `postgres://chaser@127.0.0.1:${first},127.0.0.1:${second}/chaser`;
    s.writeConfig({ ...baseConfig(), database: { connectTimeoutSeconds: 1 } });
    const hosts = `127.0.0.1:${first},127.0.0.1:${second}/chaser`;
    for (const command of [['sweep', '--now', ISO], ['migrate']]) {
      const run = await s.run(command, { env: { DATABASE_URL: url } });
      expect(run.code, command[0]).toBe(69);
      expect(run.stderr).toContain(`cannot reach Postgres at any of ${hosts}: no host answered within 3 s`);
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
    const doctor = await s.run(['doctor'], { env: { DATABASE_URL: url } });
    expect(doctor.stdout).toContain(`✗ reachable — cannot reach Postgres at any of ${hosts}`);
    expect(s.slack.calls('chat.postMessage')).toEqual([]);
  });

  it('the connect timeout is applied: a server that accepts and never answers is given up on (exit 69)', async () => {
    const hung = await silentServer();
    try {
      s.writeConfig({ ...baseConfig(), database: { connectTimeoutSeconds: 1 } });
      const run = await s.run(['dry-run', '--now', ISO], { env: { DATABASE_URL: `postgres://chaser@127.0.0.1:${hung.port}/chaser` } });
      expect(run.code).toBe(69);
      expect(run.stderr).toContain(`cannot reach Postgres at 127.0.0.1:${hung.port} (no answer before the timeout)`);
      expect(hung.connections()).toBeGreaterThan(0); // it did connect: the timeout, not a refusal, ended it
      expect(run.stderr).not.toMatch(STACK_LINE);
    } finally {
      await hung.close();
    }
  });

  it("chaser's schema missing: exit 69 telling to run `chaser migrate`; nothing posted", async () => {
    await seedThreeTeams(s.db.sql);
    await s.db.sql`alter table chaser_runs rename to chaser_runs_elsewhere`;
    try {
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(69);
      expect(run.stderr).toContain("chaser's tables are not in this database");
      expect(run.stderr).toContain('missing: chaser_runs');
      expect(run.stderr).toContain('run `chaser migrate`');
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(s.slack.calls('chat.postMessage')).toEqual([]);
    } finally {
      await s.db.sql`alter table chaser_runs_elsewhere rename to chaser_runs`;
    }
    expect(await nudgeCounts(s.db.sql)).toEqual({});
  });

  it('a schema newer than this chaser is refused with a clear message; nothing posted or written', async () => {
    await seedThreeTeams(s.db.sql);
    await s.db.sql`insert into chaser_migrations (version, name) values (9999, '9999_from_the_future')`;
    try {
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(69);
      expect(run.stderr).toMatch(/the database schema \(version 9999\) is newer than this chaser \(version \d+\): upgrade chaser/);
      expect(run.stderr).not.toMatch(STACK_LINE);
    } finally {
      await s.db.sql`delete from chaser_migrations where version = 9999`;
    }
    expect(s.slack.calls('chat.postMessage')).toEqual([]);
    expect(await runRows(s.db.sql)).toEqual([]);
    expect(await nudgeCounts(s.db.sql)).toEqual({});
  });

  it('a mapped column that does not exist: exit 78 naming the column and its config path', async () => {
    await seedThreeTeams(s.db.sql);
    s.writeConfig({ ...baseConfig(), source: { columns: { name: 'service_name' } } });
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('source.columns.name: column "service_name" does not exist in table "rotation_consumers"');
    expect(run.stderr).toMatch(/existing columns: .*\bname\b/); // and what it could have been
    expect(s.slack.calls('chat.postMessage')).toEqual([]);
    expect(await runRows(s.db.sql)).toEqual([]);
  });

  describe.skipIf(backend === 'pglite')(
    'timeouts and lost connections (real Postgres only: PGlite ignores statement_timeout and serves every connection from one session that cannot be terminated)',
    () => {
      it('the statement timeout is applied: a source view that sleeps is cancelled, exit 69 "timed out"', async () => {
        await seedThreeTeams(s.db.sql);
        await s.db.sql`create or replace view sleepy_consumers as select c.* from rotation_consumers c cross join pg_sleep(20)`;
        try {
          s.writeConfig({ ...baseConfig(), source: { table: 'sleepy_consumers' }, database: { statementTimeoutMs: 500 } });
          const run = await s.run(['sweep', '--now', ISO]);
          expect(run.code).toBe(69);
          expect(run.stderr).toContain('a database statement timed out');
          expect(run.stderr).toContain('database.statementTimeoutMs');
          expect(run.stderr).not.toMatch(STACK_LINE);
          expect(s.slack.calls('chat.postMessage')).toEqual([]);
        } finally {
          await s.db.sql`drop view sleepy_consumers`;
        }
      });

      it('connection lost while a delivered nudge is being recorded: stderr names the team whose record is missing', async () => {
        await seedThreeTeams(s.db.sql);
        s.writeConfig(serialConfig());
        // Reads go on, writes to chaser's state wait: payments' record blocks right after its post.
        const holder = await s.db.sql.reserve();
        try {
          const holderPid = (await holder<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
          await holder`begin`;
          await holder`lock table chaser_nudge_state in exclusive mode`;
          const sweep = s.start(['sweep', '--now', ISO]);
          // Only the session whose record waits: the other connections (the sweep lock's, the test's) live on.
          const [waiting] = await waitFor(
            async () =>
              s.db.sql<{ pid: number }[]>`
                select pid from pg_stat_activity
                where application_name = 'chaser' and datname = current_database() and wait_event_type = 'Lock' and pid <> ${holderPid}::int`.then(
                (rows) => (rows.length > 0 ? rows : undefined),
              ),
            { what: "chaser's record to wait on the lock" },
          );
          await s.db.sql`select pg_terminate_backend(${waiting!.pid}::int)`;
          await holder`rollback`;
          const run = await sweep.done;
          expect(run.code, run.stderr).toBe(69);
          expect(run.stderr).toMatch(
            /the message to team "payments" went out but is not recorded, so it may be nudged again on the next run/,
          );
          expect(run.stderr).not.toMatch(STACK_LINE);
          expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments]);
          expect(await nudgeCounts(s.db.sql)).toEqual({});
        } finally {
          holder.release();
        }
      });

      it('connection lost mid-run: a clear message, exit 69, no further post, and no half-recorded team', async () => {
        await seedThreeTeams(s.db.sql);
        s.writeConfig(serialConfig());
        const gate = await startSlackGate(s.slack.url);
        try {
          gate.hold('chat.postMessage');
          const sweep = s.start(['sweep', '--now', ISO], { env: { SLACK_API_URL: gate.url } });
          await gate.whenHeld(); // payments' message is in Slack; chaser has not heard back yet

          // Materialized first, so the planner cannot call pg_terminate_backend on rows of other
          // databases (other test files' sessions) before the filter drops them.
          const killed = await s.db.sql<{ pid: number }[]>`
            with chaser_sessions as materialized (
              select pid from pg_stat_activity
              where application_name = 'chaser' and datname = current_database() and pid <> pg_backend_pid()
            )
            select pid from chaser_sessions where pg_terminate_backend(pid)`;
          expect(killed.length).toBeGreaterThan(0);
          const pids = killed.map((k) => k.pid);
          await waitFor(
            // The test's own pooled sessions were among those ended: a query may meet one before the pool notices.
            async () => (await s.db.sql`select 1 from pg_stat_activity where pid = any(${pids}::int[])`.catch(() => [1])).length === 0,
            { what: 'the terminated sessions to end' },
          );
          gate.release();

          const run = await sweep.done;
          expect(run.code).toBe(69);
          expect(run.stderr).toMatch(/the connection to Postgres.* was closed/);
          expect(run.stderr).not.toMatch(STACK_LINE);
          // Nothing after the message that was in flight: no other team, no digest.
          expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments]);
          // Recorded whole or not at all, and only the team whose message went out.
          expect(await stateLogMismatches(s.db.sql)).toEqual([]);
          expect(Object.keys(await nudgeCounts(s.db.sql))).not.toContain('search-1');
          expect(Object.keys(await nudgeCounts(s.db.sql))).not.toContain('id-1');
        } finally {
          await gate.close();
        }

        // The next run sends what was not sent, and payments at most once more.
        s.slack.reset();
        const next = await s.run(['sweep', '--now', ISO]);
        expect(next.code).toBe(3);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1, 'id-1': 1 });
        expect(await stateLogMismatches(s.db.sql)).toEqual([]);
      });
    },
  );
});
