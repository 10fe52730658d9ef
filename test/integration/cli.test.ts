import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { SWEEP_LOCK } from '../../src/db/lock.js';
import { REPO_ROOT, runCli, TEST_TOKEN } from '../support/cli.js';
import { backend, insertConsumers } from '../support/db.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { closedPort } from '../support/ports.js';
import { NOW } from '../support/clock.js';

/**
 * The CLI as a scheduler or CI job sees it: the built binary, a scrubbed environment (PATH and
 * NO_COLOR only, plus what each test gives), and one test per exit code of the contract.
 */

const ISO = NOW.toISOString();
/** "    at readPlan (file:///…/run.js:174:22)": a frame of a stack trace. */
const STACK_FRAME = /\s{2,}at \S+ \(\S+:\d+:\d+\)/;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bugs: { url: string };
  repository: { url: string };
};
const { version } = pkg;

describe('chaser CLI surface (no database, no Slack)', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'chaser-cli-'));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli(args, { cwd: empty });

  it("--version prints package.json's version and exits 0, on the program and on every command", async () => {
    for (const args of [['--version'], ...['sweep', 'digest', 'dry-run', 'migrate', 'doctor'].map((command) => [command, '--version'])]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
      expect(run.stderr).toBe('');
    }
  });

  it("package.json names the issue tracker once, in the package's own repository (not the unrelated npm package `chaser`)", () => {
    expect(pkg.name).not.toBe('chaser');
    const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(repository).toMatch(new RegExp(`^https://github\\.com/[\\w-]+/${pkg.name}$`));
    expect(pkg.bugs.url).toBe(`${repository}/issues`);
  });

  it('--help lists every command and the exit codes, exit 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['sweep', 'digest', 'dry-run', 'migrate', 'doctor'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const code of [0, 3, 4, 64, 69, 70, 75, 78]) expect(run.stdout).toMatch(new RegExp(`\\b${code} \\w`));
    expect(run.stdout).toContain('chaser dry-run --demo');
  });

  const COMMON = ['--config <path>', '-q, --quiet', '-v, --verbose', '--version', '-h, --help'];
  const RUN = ['--json', '--now <iso-8601>', '--fail-on <outstanding|never|TIER>', '--team <key>', '--key <key_id>'];
  const FLAGS: Record<string, { has: string[]; hasNot: string[] }> = {
    sweep: { has: [...COMMON, ...RUN, '--no-digest'], hasNot: ['--demo'] },
    digest: { has: [...COMMON, ...RUN], hasNot: ['--no-digest', '--demo'] },
    'dry-run': { has: [...COMMON, ...RUN, '--demo', '--no-digest'], hasNot: [] },
    migrate: { has: COMMON, hasNot: ['--json', '--now', '--fail-on', '--team'] },
    doctor: { has: COMMON, hasNot: ['--json', '--now', '--fail-on', '--team'] },
  };
  for (const [command, { has, hasNot }] of Object.entries(FLAGS)) {
    it(`${command} --help lists the contract's flags for ${command}`, async () => {
      const run = await cli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: chaser ${command} [options]`);
      for (const flag of has) expect(run.stdout).toContain(flag);
      for (const flag of hasNot) expect(run.stdout).not.toContain(flag);
    });
  }

  describe('usage errors exit 64 with a message on stderr and nothing on stdout', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['an unknown flag', ['sweep', '--bogus'], /unknown option '--bogus'/],
      ['an unknown command, with a suggestion', ['sweeep'], /unknown command 'sweeep'[\s\S]*Did you mean sweep\?/],
      ['a --now that is not a date', ['dry-run', '--now', 'yesterday'], /--now.*'yesterday' is invalid.*ISO-8601/],
      ['a --now with an impossible month', ['dry-run', '--now', '2026-13-01T00:00:00Z'], /--now.*is invalid/],
      ['a --now given as a bare number', ['dry-run', '--now', '1773133200000'], /--now.*is invalid/],
      [
        'a --now time without Z or an offset, showing the fix',
        ['dry-run', '--now', '2026-12-06T09:00'],
        /needs its zone.*2026-12-06T09:00Z for UTC/,
      ],
      ['a --now date that does not exist (no roll-over into March)', ['dry-run', '--now', '2026-02-30'], /2026-02-30 is not a real date/],
      ['a flag missing its value', ['sweep', '--fail-on'], /--fail-on.*argument missing/],
      ['a stray argument', ['sweep', 'now'], /too many arguments/],
      ['a run flag on a command without it', ['migrate', '--json'], /unknown option '--json'/],
      ['no command at all', [], /Usage: chaser/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await cli(args);
        expect(run.code).toBe(64);
        expect(run.stderr).toMatch(message);
        expect(run.stdout).toBe('');
      });
    }
  });
});

describe(`chaser exit codes (${backend})`, () => {
  const s = useScenario();

  it('0: ran cleanly, nothing outstanding', async () => {
    await insertConsumers(s.db.sql, [
      { id: 'done', rotation_deadline: daysBefore(9), status: 'confirmed' },
      { id: 'not-yet', rotation_deadline: new Date(NOW.getTime() + 86_400_000) },
    ]);
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing outstanding');
    expect(run.stdout).toMatch(/exit 0\b/);
    expect(run.stderr).toBe('');
  });

  it('3: ran cleanly, consumers remain outstanding', async () => {
    await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/exit 3: consumers remain outstanding/);
    expect(
      s.slack
        .posts()
        .map((p) => p.channelId)
        .sort(),
    ).toEqual([CHANNELS.payments, CHANNELS.security].sort());
  });

  it('4: a delivery failed (channel_not_found): reported, not recorded, the rest delivered', async () => {
    s.writeConfig({ ...baseConfig(), teams: { payments: { channel: CHANNELS.payments }, search: { channel: 'C0NOSUCHCHN' } } });
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) },
      { id: 'search-1', owner_team: 'search', rotation_deadline: daysBefore(2) },
    ]);
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/error: .*not delivered: search \(channel_not_found\)/);
    expect(run.stdout).toMatch(/not delivered: search \(channel_not_found\)/);
    const state = await s.db.sql<{ consumer_id: string }[]>`select consumer_id from chaser_nudge_state order by 1`;
    expect(state.map((r) => r.consumer_id)).toEqual(['pay-1']); // undelivered nudges are not nudges
    const [runRow] = await s.db.sql`select nudged, teams_failed, exit_code from chaser_runs`;
    expect(runRow).toMatchObject({ nudged: 1, teams_failed: 1, exit_code: 4 });
  });

  it('69: Postgres unreachable (a closed port): says so and where to point it; nothing posted', async () => {
    const url = `postgres://chaser:Pw-never-shown-42@127.0.0.1:${await closedPort()}/chaser`;
    const run = await s.run(['sweep', '--now', ISO], { env: { DATABASE_URL: url }, secrets: ['Pw-never-shown-42'] });
    expect(run.code).toBe(69);
    expect(run.stderr).toMatch(/cannot reach Postgres at 127\.0\.0\.1:\d+ \(connection refused\)/);
    expect(run.stderr).toMatch(/DATABASE_URL/);
    expect(run.stdout).toBe('');
    expect(s.slack.posts()).toEqual([]);
  });

  describe("70: an internal error (chaser_nudge_state lost a column behind chaser's back)", () => {
    async function breakSchema() {
      await s.db.sql`alter table chaser_nudge_state drop column last_tier`;
      onTestFinished(async () => {
        await s.db.sql`alter table chaser_nudge_state add column if not exists last_tier text null`;
      });
      await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    }

    it('says it is a bug and where to report it; no stack trace without -v', async () => {
      await breakSchema();
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(70);
      expect(run.stderr).toMatch(/internal error: .*last_tier/);
      expect(run.stderr).toContain(
        `this is a bug in chaser (${pkg.name} ${version}); please report it at ${pkg.bugs.url} with the output of -v`,
      );
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(s.slack.posts()).toEqual([]);
    });

    it('with -v the stack trace follows', async () => {
      await breakSchema();
      const run = await s.run(['sweep', '--now', ISO, '-v']);
      expect(run.code).toBe(70);
      expect(run.stderr).toMatch(/this is a bug in chaser/);
      expect(run.stderr).toMatch(STACK_FRAME); // raw lines, or inside the JSON log line when stderr is a pipe
    });
  });

  // PGlite serves every connection from one backend session, so advisory locks never conflict there.
  it.skipIf(backend === 'pglite')('75: another sweep holds the lock: nothing was done, try again later (real Postgres only)', async () => {
    await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    const holder = await s.db.sql.reserve();
    await holder`select pg_advisory_lock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4)`;
    try {
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(75);
      expect(run.stderr).toMatch(/another chaser sweep is running against this database; nothing was done/);
      expect(run.stderr).toMatch(/try again later/);
      expect(s.slack.posts()).toEqual([]);
      expect(await s.db.sql`select * from chaser_runs`).toHaveLength(0);
      expect(await s.db.sql`select * from chaser_nudge_state`).toHaveLength(0);
    } finally {
      await holder`select pg_advisory_unlock(${SWEEP_LOCK.classId}::int4, ${SWEEP_LOCK.objectId}::int4)`;
      holder.release();
    }
    // Once the lock is free the same sweep runs.
    expect((await s.run(['sweep', '--now', ISO])).code).toBe(3);
  });

  it('78: an invalid config lists every problem with its path; nothing touched', async () => {
    s.writeConfig({
      tiers: [{ name: 'gentle', afterDaysOverdue: 0, every: 'sometimes' }],
      teams: { payments: { channel: 'payments' } },
      digest: { email: 'not-an-email' },
      slak: {},
    });
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/error: invalid config in .*chaser\.config\.json/);
    for (const path of ['tiers[0].every', 'teams.payments.channel', 'digest.email', 'slak']) {
      expect(run.stderr).toMatch(new RegExp(`^  ${path.replace(/[[\].]/g, '\\$&')}\\b`, 'm'));
    }
    expect(run.stdout).toBe('');
    expect(s.slack.requests).toHaveLength(0);
  });

  it('78: no config file in the working directory says how to create one', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'chaser-noconfig-'));
    onTestFinished(() => rmSync(elsewhere, { recursive: true, force: true }));
    const run = await s.run(['dry-run', '--now', ISO], { cwd: elsewhere });
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/no chaser config found/);
    expect(run.stderr).toMatch(/--config <path>/);
  });

  it('the token is never echoed, even when Slack rejects it', async () => {
    s.slack.setTokenError('invalid_auth');
    await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
    const run = await s.run(['sweep', '--now', ISO, '-v']); // runCli asserts TEST_TOKEN appears nowhere
    expect(run.code).toBe(69);
    expect(run.stderr).toMatch(/Slack is not usable: Slack rejected the token \(invalid_auth\)/);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TEST_TOKEN);
  });

  describe("a closed stdout (`| head -1`) ends output quietly; the exit code is the run's own", () => {
    const cases: Array<{ args: string[]; code: number; seed?: boolean }> = [
      { args: ['dry-run', '--now', ISO], code: 3, seed: true },
      { args: ['dry-run', '--now', ISO, '--json'], code: 3, seed: true },
      { args: ['sweep', '--now', ISO], code: 3, seed: true },
      { args: ['sweep', '--now', ISO, '--json'], code: 3, seed: true },
      { args: ['digest', '--now', ISO, '--json'], code: 0 },
      { args: ['doctor'], code: 0 },
      { args: ['migrate'], code: 0 },
      { args: ['--help'], code: 0 },
      { args: ['sweep', '--version'], code: 0 },
      { args: ['sweep', '--no-such-flag'], code: 64 },
    ];
    for (const { args, code, seed } of cases) {
      it(`chaser ${args.join(' ')}: exit ${code}, no EPIPE, no stack trace`, async () => {
        if (seed) {
          await insertConsumers(s.db.sql, [
            { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: daysBefore(3) },
          ]);
        }
        const run = await s.run(args, { closeStdout: true });
        expect(run.stderr).not.toMatch(/EPIPE|internal error/);
        expect(run.stderr).not.toMatch(STACK_FRAME);
        expect(run.code).toBe(code);
      });
    }
  });

  describe('output modes', () => {
    it('-q: a sweep prints nothing on stdout (and no warnings), yet still does its work', async () => {
      await insertConsumers(s.db.sql, [
        { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) },
        { id: 'ghost-1', owner_team: 'ghosts', rotation_deadline: daysBefore(2) }, // unrouted: a warning
      ]);
      const run = await s.run(['sweep', '--now', ISO, '-q']);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('');
      expect(s.slack.posts()).toHaveLength(2);
    });

    it('--json: stdout is exactly one JSON object (the contract result); warnings stay on stderr', async () => {
      await insertConsumers(s.db.sql, [
        { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) },
        { id: 'ghost-1', owner_team: 'ghosts', rotation_deadline: daysBefore(2) },
      ]);
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(3);
      expect(run.stdout.trimStart().startsWith('{')).toBe(true);
      const result = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(Object.keys(result).sort()).toEqual([
        'byTier',
        'command',
        'digest',
        'exitCode',
        'filters',
        'now',
        'outstanding',
        'snapshot',
        'teams',
        'unknownStatuses',
        'warnings',
      ]);
      expect(result).toMatchObject({ command: 'sweep', now: ISO, outstanding: 2, exitCode: 3, digest: { delivered: true } });
      expect(run.stderr).toMatch(/warning: team "ghosts" has no channel/);
    });

    it('--json on a failure still answers with the one object, its exitCode matching the process', async () => {
      s.writeConfig({ ...baseConfig(), teams: { payments: { channel: 'C0NOSUCHCHN' } } });
      await insertConsumers(s.db.sql, [{ id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(2) }]);
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(4);
      const result = JSON.parse(run.stdout) as { exitCode: number; teams: Array<{ delivered: boolean; error?: string }> };
      expect(result.exitCode).toBe(4);
      expect(result.teams).toEqual([expect.objectContaining({ delivered: false, error: 'channel_not_found' })]);
    });
  });
});
