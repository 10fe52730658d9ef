import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nudgeCounts } from '../support/chaser-state.js';
import { runCli, TEST_TOKEN, urlPassword } from '../support/cli.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { backend, insertConsumers, startTestDatabase, type TestDatabase } from '../support/db.js';
import { NOW } from '../support/clock.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Issue 8, part A: the gate never passes by mistake on what the inventory holds (a status
 * vocabulary that matches nothing, a filter typo, bad values), and what the database holds never
 * drives the terminal.
 */

const ISO = NOW.toISOString();
const ESC = '\u001b';

interface JsonResult {
  outstanding: number;
  exitCode: number;
  filters: { teams?: string[]; keyId?: string };
  unknownStatuses: {
    rows: number;
    overdue: number;
    statuses: Array<{ status: string | null; rows: number; overdue: number; nearMiss?: string }>;
  };
  warnings: string[];
  teams: Array<{ team: string; consumers: string[] }>;
}

describe(`the gate on what the inventory holds (${backend})`, () => {
  const s = useScenario();
  const digestPost = () => JSON.stringify(s.slack.posts().find((p) => p.channelId === CHANNELS.security)?.blocks ?? null);

  describe('a status vocabulary that matches nothing (source.doneStatuses)', () => {
    const source = { table: 'shouty', columns: { id: 'id', name: 'name', team: 'team', keyId: 'key', status: 'state', deadline: 'due' } };
    beforeEach(async () => {
      await s.db.sql`drop table if exists shouty`;
      await s.db.sql`create table shouty (id text primary key, name text, team text, key text, state text, due timestamptz)`;
      await s.db.sql`insert into shouty ${s.db.sql([
        { id: 'a', name: 'api', team: 'payments', key: 'kms/p', state: 'TODO', due: daysBefore(10) },
        { id: 'b', name: 'worker', team: 'payments', key: 'kms/p', state: 'TODO', due: daysBefore(2) },
        { id: 'c', name: 'cron', team: 'search', key: 'kms/s', state: 'IN_PROGRESS', due: daysBefore(5) },
        { id: 'd', name: 'old', team: 'search', key: 'kms/s', state: 'DONE', due: daysBefore(30) },
        { id: 'e', name: 'future', team: 'search', key: 'kms/s', state: 'TODO', due: daysBefore(-5) },
      ])}`;
      s.writeConfig({ ...baseConfig(), source: { ...source, pendingStatuses: ['todo', 'in_progress'] } });
    });

    it('dry-run does not pass: the unknown statuses are counted, named in the warnings, and exit 3', async () => {
      const run = await s.run(['dry-run', '--now', ISO, '--json']);
      expect(run.code).toBe(3); // was 0: "Nothing outstanding"
      const result = JSON.parse(run.stdout) as JsonResult;
      expect(result.outstanding).toBe(0);
      expect(result.unknownStatuses).toMatchObject({ rows: 5, overdue: 4 });
      expect(result.unknownStatuses.statuses).toEqual([
        { status: 'TODO', rows: 3, overdue: 2, nearMiss: 'todo' },
        { status: 'DONE', rows: 1, overdue: 1 },
        { status: 'IN_PROGRESS', rows: 1, overdue: 1, nearMiss: 'in_progress' },
      ]);
      expect(result.warnings.join('\n')).toMatch(/5 row\(s\) have a state in neither source.pendingStatuses nor source.doneStatuses/);
      expect(run.stderr).toContain('"TODO" (3 rows, differs only by case or spaces from "todo")');

      const human = await s.run(['dry-run', '--now', ISO]);
      expect(human.code).toBe(3);
      expect(human.stdout).toMatch(
        /5 row\(s\) with a status in neither pendingStatuses nor doneStatuses, not treated as done, 4 past their deadline/,
      );
    });

    it('--fail-on never still passes (the operator asked not to gate); a configured vocabulary is a clean run', async () => {
      expect((await s.run(['dry-run', '--now', ISO, '--fail-on', 'never'])).code).toBe(0);
      s.writeConfig({ ...baseConfig(), source: { ...source, pendingStatuses: ['TODO', 'IN_PROGRESS'], doneStatuses: ['DONE'] } });
      const run = await s.run(['dry-run', '--now', ISO, '--json']);
      expect(run.code).toBe(3);
      const result = JSON.parse(run.stdout) as JsonResult;
      expect(result.outstanding).toBe(3);
      expect(result.unknownStatuses.rows).toBe(0);
      expect(result.warnings).toEqual([]);
    });

    it('the footer of each team message uses the configured vocabulary, not confirmed / exempt', async () => {
      s.writeConfig({
        ...baseConfig(),
        source: { ...source, pendingStatuses: ['TODO', 'IN_PROGRESS'], doneStatuses: ['DONE', 'WONTFIX'] },
      });
      const preview = await s.run(['dry-run', '--now', ISO]);
      expect(preview.stdout.replace(/\s+/g, ' ')).toContain(
        'set its state to DONE in the rotation inventory (or WONTFIX if it cannot move)',
      );
      expect((await s.run(['sweep', '--now', ISO, '--no-digest'])).code).toBe(3);
      const footers = s.slack.posts().map((p) => JSON.stringify(p.blocks));
      expect(footers).toHaveLength(2);
      for (const footer of footers) {
        expect(footer).toContain('set its `state` to `DONE` in the rotation inventory (or `WONTFIX` if it cannot move).');
        expect(footer).not.toMatch(/confirmed|exempt/);
      }
    });

    it('the digest names them for the lead', async () => {
      const run = await s.run(['digest', '--now', ISO]);
      expect(run.code).toBe(3);
      const digest = digestPost();
      expect(digest).toContain('Statuses chaser does not know');
      expect(digest).toContain('not treated as done');
      expect(digest).toContain('source.doneStatuses');
      expect(digest).not.toContain('Nothing outstanding:');
    });

    it('doctor lists the statuses it found with counts and fails on the near misses (78)', async () => {
      const run = await s.run(['doctor']);
      expect(run.code).toBe(78);
      const line = run.stdout.split('\n').find((l) => l.includes('status values'))!;
      expect(line).toMatch(/✗ status values/);
      expect(line).toContain('"TODO" (3 rows, differs only by case or spaces from "todo")');
      expect(line).toContain('"IN_PROGRESS" (1 row, differs only by case or spaces from "in_progress")');
      expect(line).toContain('found: "TODO" ×3 (neither), "DONE" ×1 (neither), "IN_PROGRESS" ×1 (neither)');
      expect(run.stdout).not.toContain('all checks passed');
    });

    it('a status listed as both pending and done is a config error (78) naming its path', async () => {
      s.writeConfig({ ...baseConfig(), source: { ...source, pendingStatuses: ['TODO'], doneStatuses: ['DONE', 'TODO'] } });
      const run = await s.run(['dry-run', '--now', ISO]);
      expect(run.code).toBe(78);
      expect(run.stderr).toContain('source.doneStatuses[1]: "TODO" is also pendingStatuses[0]');
    });
  });

  describe('filters', () => {
    beforeEach(async () => {
      await insertConsumers(s.db.sql, [
        { id: 'pay-1', owner_team: 'payments', key_id: 'kms/payments-2026', rotation_deadline: daysBefore(16) },
        { id: 'pay-2', owner_team: 'payments', key_id: 'kms/payments-2026', rotation_deadline: daysBefore(3) },
        { id: 'search-1', owner_team: 'search', key_id: 'kms/search-2026', rotation_deadline: daysBefore(4) },
        { id: 'ml-1', owner_team: 'ml-research', key_id: 'kms/search-2026', rotation_deadline: daysBefore(8), status: 'confirmed' },
        { id: 'id-1', owner_team: 'identity', key_id: 'kms/id-2026', rotation_deadline: daysBefore(1) },
      ]);
    });

    it('a --team that is neither configured nor an owner is a usage error (64) naming the closest first', async () => {
      const run = await s.run(['dry-run', '--now', ISO, '--team', 'paymnets', '--json']);
      expect(run.code).toBe(64); // was 0 with outstanding 0
      const error = JSON.parse(run.stdout) as { error: string; exitCode: number };
      expect(error.exitCode).toBe(64);
      expect(error.error).toMatch(
        /^--team "paymnets": no such team in the config \(teams\) or among the inventory's owners \(owner_team\); closest: "payments"/,
      );
      expect(s.slack.posts()).toEqual([]);
    });

    it('a --key no consumer has, in any status, is a usage error (64) naming the closest keys', async () => {
      const run = await s.run(['sweep', '--now', ISO, '--key', 'kms/payments-2062']);
      expect(run.code).toBe(64);
      expect(run.stderr).toMatch(
        /--key "kms\/payments-2062": no consumer has this key id \(key_id\), in any status; closest: "kms\/payments-2026"/,
      );
      expect(s.slack.posts()).toEqual([]);
      expect(await s.db.sql`select count(*)::int as n from chaser_runs`).toEqual([{ n: 0 }]);
    });

    it('a configured team with no rows, an owner with no route, and a key held only by confirmed consumers are all fine', async () => {
      s.writeConfig({ ...baseConfig(), teams: { ...(baseConfig()['teams'] as object), quiet: { channel: '#quiet' } } });
      expect((await s.run(['dry-run', '--now', ISO, '--team', 'quiet'])).code).toBe(0);
      expect((await s.run(['dry-run', '--now', ISO, '--team', 'ml-research'])).code).toBe(0);
      expect((await s.run(['dry-run', '--now', ISO, '--key', 'kms/search-2026', '--team', 'ml-research'])).code).toBe(0);
    });

    it('a filtered run says so: the digest, the terminal summary and the JSON', async () => {
      const digest = await s.run(['digest', '--now', ISO, '--team', 'payments']);
      expect(digest.code).toBe(3);
      expect(digestPost()).toContain('*2 consumers* outstanding across *1 team* (filtered: --team payments)');
      expect(digest.stdout).toContain('2 outstanding across 1 team(s); 1 team(s) due a nudge (filtered: --team payments)');

      const json = JSON.parse(
        (await s.run(['dry-run', '--now', ISO, '--team', 'payments', '--key', 'kms/payments-2026', '--json'])).stdout,
      ) as JsonResult;
      expect(json.filters).toEqual({ teams: ['payments'], keyId: 'kms/payments-2026' });
      const unfiltered = JSON.parse((await s.run(['dry-run', '--now', ISO, '--json'])).stdout) as JsonResult;
      expect(unfiltered.filters).toEqual({});
      expect((await s.run(['dry-run', '--now', ISO])).stdout).not.toContain('filtered');
    });
  });

  describe('bad and unusual time values', () => {
    it('one unparseable text deadline skips that row, reported like a missing deadline; the rest are chased', async () => {
      await s.db.sql`drop table if exists text_deadlines`;
      await s.db.sql`create table text_deadlines (id text primary key, name text, team text, key text, state text, due text, snooze text)`;
      await s.db.sql`insert into text_deadlines ${s.db.sql([
        { id: 'iso', name: 'ok', team: 'payments', key: 'k', state: 'pending', due: '2026-03-01', snooze: null },
        { id: 'zoned', name: 'ok2', team: 'payments', key: 'k', state: 'pending', due: '2026-03-09 10:00:00+02', snooze: null },
        { id: 'words', name: 'bad', team: 'payments', key: 'k', state: 'pending', due: 'next tuesday', snooze: null },
        { id: 'later', name: 'not due', team: 'payments', key: 'k', state: 'pending', due: '2026-04-01T00:00:00Z', snooze: null },
        { id: 'hushed', name: 'hushed', team: 'search', key: 'k', state: 'pending', due: '2026-03-01', snooze: 'infinity' },
        { id: 'garbled', name: 'garbled', team: 'search', key: 'k', state: 'pending', due: '2026-03-01', snooze: 'when we can' },
      ])}`;
      s.writeConfig({
        ...baseConfig(),
        source: {
          table: 'text_deadlines',
          columns: { id: 'id', name: 'name', team: 'team', keyId: 'key', status: 'state', deadline: 'due', snoozedUntil: 'snooze' },
        },
      });
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(3); // was 70: the whole read failed
      expect(run.stderr).toMatch(/consumer "words" skipped: it has no valid rotation deadline/);
      expect(run.stderr).toMatch(/consumer "garbled" skipped: its snooze is not an instant chaser can read/);
      expect(await nudgeCounts(s.db.sql)).toEqual({ iso: 1, zoned: 1 });
      const result = JSON.parse(run.stdout) as JsonResult;
      expect(result.outstanding).toBe(3); // iso, zoned, hushed (snoozed)
      expect(digestPost()).toMatch(/1 row with no rotation deadline: `words`/);
      expect(digestPost()).toMatch(/1 row with an unreadable snoozed_until: `garbled`/);
    });

    it('date and timestamp-without-time-zone deadlines are read as UTC, whatever the session time zone', async () => {
      const name = (await s.db.sql<{ name: string }[]>`select current_database() as name`)[0]!.name;
      // Honolulu is UTC-10: read in that zone, both deadlines below would still be in the future at NOW (09:00Z).
      if (backend === 'postgres') await s.db.sql`alter database ${s.db.sql(name)} set timezone to 'Pacific/Honolulu'`;
      else await s.db.sql`set timezone to 'Pacific/Honolulu'`;
      try {
        await s.db.sql`drop table if exists local_times`;
        await s.db
          .sql`create table local_times (id text primary key, name text, team text, key text, state text, due_day date, due_at timestamp)`;
        await s.db.sql`insert into local_times values
          ('by-day', 'a', 'payments', 'k', 'pending', '2026-03-10', null),
          ('by-time', 'b', 'search', 'k', 'pending', null, '2026-03-10 08:30:00'),
          ('not-yet', 'c', 'search', 'k', 'pending', null, '2026-03-10 09:30:00')`;
        const columns = { id: 'id', name: 'name', team: 'team', keyId: 'key', status: 'state' };
        s.writeConfig({ ...baseConfig(), source: { table: 'local_times', columns: { ...columns, deadline: 'due_day' } } });
        const byDay = JSON.parse((await s.run(['dry-run', '--now', ISO, '--team', 'payments', '--json'])).stdout) as JsonResult;
        expect(byDay.outstanding).toBe(1);
        s.writeConfig({ ...baseConfig(), source: { table: 'local_times', columns: { ...columns, deadline: 'due_at' } } });
        const byTime = JSON.parse((await s.run(['dry-run', '--now', ISO, '--team', 'search', '--json'])).stdout) as JsonResult;
        expect(byTime.teams.flatMap((t) => t.consumers)).toEqual(['by-time']);
        // doctor says which zone it assumes.
        expect((await s.run(['doctor'])).stdout).toMatch(
          /✓ source table and mapped columns — public\.local_times.*deadline has no time zone: read as UTC/,
        );
      } finally {
        if (backend === 'postgres') await s.db.sql`alter database ${s.db.sql(name)} reset timezone`;
        else await s.db.sql`reset timezone`;
      }
    });

    it("snoozed_until = 'infinity' is snoozed for good; '-infinity' is not snoozed", async () => {
      await insertConsumers(s.db.sql, [
        { id: 'forever', owner_team: 'payments', rotation_deadline: daysBefore(16) },
        { id: 'never', owner_team: 'payments', rotation_deadline: daysBefore(16) },
      ]);
      await s.db.sql`update rotation_consumers set snoozed_until = 'infinity' where id = 'forever'`;
      await s.db.sql`update rotation_consumers set snoozed_until = '-infinity' where id = 'never'`;
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(3);
      expect(await nudgeCounts(s.db.sql)).toEqual({ never: 1 }); // 'forever' was nudged before
      expect((JSON.parse(run.stdout) as JsonResult).outstanding).toBe(2);
      const preview = await s.run(['dry-run', '--now', ISO]);
      expect(preview.stdout).toContain('1 snoozed');
    });
  });

  describe('control characters from the database', () => {
    it('never reach the terminal, stderr, the JSON or the run record raw', async () => {
      const team = `evil${ESC}[2K${ESC}[1Ateam`;
      const c1 = 'c1\u009b2Kteam';
      await insertConsumers(s.db.sql, [
        { id: `id${ESC}[2K`, name: `name${ESC}[1A`, owner_team: team, key_id: `kms/${ESC}[31m`, rotation_deadline: daysBefore(8) },
        { id: 'c1-1', name: 'c1', owner_team: c1, rotation_deadline: daysBefore(8) },
      ]);
      const raw = /[\u001b\u009b]/;
      const preview = await s.run(['dry-run', '--now', ISO]);
      expect(preview.code).toBe(3);
      expect(preview.stdout).toContain('evil [2K [1Ateam');
      expect(preview.stdout).not.toMatch(raw);
      expect(preview.stderr).toContain('has no channel and there is no fallbackChannel');
      expect(preview.stderr).not.toMatch(raw);

      const json = await s.run(['dry-run', '--now', ISO, '--json']);
      expect(json.stdout).not.toMatch(raw);
      // The id is given exactly as stored (escaped in the JSON text): it is what nudges are recorded under.
      expect((JSON.parse(json.stdout) as JsonResult).teams.flatMap((t) => t.consumers)).toContain(`id${ESC}[2K`);

      s.writeConfig({ ...baseConfig(), fallbackChannel: CHANNELS.fallback });
      const sweep = await s.run(['sweep', '--now', ISO]);
      expect(sweep.code).toBe(3);
      expect(sweep.stdout).not.toMatch(raw);
      expect(sweep.stderr).not.toMatch(raw);
      const recorded = JSON.stringify(await s.db.sql`select team, consumer_id from chaser_nudge_log order by consumer_id`);
      expect(await nudgeCounts(s.db.sql)).toEqual({ 'c1-1': 1, [`id${ESC}[2K`]: 1 });
      expect(recorded).toContain('evil [2K [1Ateam');
      const teams = await s.db.sql<{ team: string }[]>`select team from chaser_nudge_log`;
      expect(teams.map((r) => r.team).join(' ')).not.toMatch(raw);
      const runs = await s.db.sql<{ outcome: string }[]>`select outcome from chaser_runs`;
      expect(runs.map((r) => r.outcome).join(' ')).not.toMatch(raw);
    });
  });
});

describe(`a first read-only look, before chaser migrate ever ran (${backend})`, () => {
  let db: TestDatabase;
  let slack: FakeSlack;
  let cwd: string;
  beforeAll(async () => {
    db = await startTestDatabase({ migrated: false });
    slack = await startFakeSlack({ token: TEST_TOKEN, channels: Object.entries(CHANNELS).map(([name, id]) => ({ id, name })) });
    cwd = mkdtempSync(join(tmpdir(), 'chaser-first-look-'));
    await db.sql`create table inventory (id integer primary key, service text, squad text, credential text, state text, due timestamptz)`;
    await db.sql`insert into inventory values (1, 'api', 'payments', 'kms/p', 'pending', ${daysBefore(5)}), (2, 'cron', 'search', 'kms/s', 'confirmed', ${daysBefore(5)})`;
    writeFileSync(
      join(cwd, 'chaser.config.json'),
      JSON.stringify({
        ...baseConfig(),
        source: {
          table: 'inventory',
          columns: { id: 'id', name: 'service', team: 'squad', keyId: 'credential', status: 'state', deadline: 'due' },
        },
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([db?.stop(), slack?.close()]);
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });
  const run = (args: string[]) => runCli(args, { cwd, env: { DATABASE_URL: db.url }, secrets: urlPassword(db.url) });

  it('dry-run reads the inventory, treats chaser memory as empty and says so (was exit 69)', async () => {
    const result = await run(['dry-run', '--now', ISO, '--json']);
    expect(result.code).toBe(3);
    const json = JSON.parse(result.stdout) as JsonResult;
    expect(json.outstanding).toBe(1);
    expect(json.teams.map((t) => [t.team, t.consumers])).toEqual([['payments', ['1']]]);
    expect(json.warnings.join('\n')).toMatch(/chaser's tables are not in this database .*treats chaser's memory as empty/);
    expect(result.stderr).toMatch(/`chaser migrate` never ran/);
    // Read-only: still nothing of chaser's in the database.
    expect(await db.sql`select to_regclass('chaser_runs') as t`).toEqual([{ t: null }]);
  });

  it('sweep and digest still require the schema (69)', async () => {
    for (const command of ['sweep', 'digest']) {
      const result = await runCli([command, '--now', ISO], {
        cwd,
        env: { DATABASE_URL: db.url, SLACK_BOT_TOKEN: TEST_TOKEN, SLACK_API_URL: slack.url },
        secrets: urlPassword(db.url),
      });
      expect(result.code, command).toBe(69);
      expect(result.stderr).toContain('run `chaser migrate` first');
    }
    expect(slack.posts()).toEqual([]);
  });
});
