import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { backend, insertConsumers, startTestDatabase, type TestDatabase } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { baseConfig, CHANNELS, daysBefore, useScenario, type Scenario } from '../support/scenario.js';
import type { CliRun } from '../support/cli.js';
import { closedPort } from '../support/ports.js';
import { NOW } from '../support/clock.js';

/**
 * `chaser doctor` end to end: the built CLI against a real database (PGlite or Postgres) and the
 * fake Slack. Each problem it diagnoses gets its own test: the ✗ line, the fix under it, the exit
 * code. Every run is also checked for being read-only: nothing posted, no run recorded.
 */

/**
 * The line of one check, e.g. `✗ scopes — missing chat:write …`, and the `fix:` under it: its
 * lines as printed (a fix of several problems continues on lines aligned under the first).
 */
function checkLine(run: CliRun, mark: '✓' | '✗' | '!' | '-', name: string): { line: string; fix: string | undefined; fixLines: string[] } {
  const lines = run.stdout.split('\n');
  const at = lines.findIndex((l) => l.trimStart().startsWith(`${mark} ${name}`));
  expect(at, `no "${mark} ${name}" line in:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
  const fixLines: string[] = [];
  if (lines[at + 1]?.startsWith('      fix: ')) {
    fixLines.push(lines[at + 1]!.trim());
    for (let i = at + 2; lines[i]?.startsWith('           '); i++) fixLines.push(lines[i]!.trim());
  }
  return { line: lines[at]!, fix: fixLines[0], fixLines };
}

function marks(run: CliRun, mark: '✓' | '✗' | '!' | '-'): string[] {
  return run.stdout.split('\n').filter((l) => l.trimStart().startsWith(`${mark} `));
}

describe(`chaser doctor (${backend})`, () => {
  const s = useScenario();

  /** Runs doctor and asserts what it must never do: post, or write a run record. */
  async function doctor(options: Parameters<Scenario['run']>[1] = {}): Promise<CliRun> {
    const run = await s.run(['doctor'], options);
    expect(s.slack.calls('chat.postMessage'), 'doctor posted to Slack').toEqual([]);
    return run;
  }

  beforeEach(async () => {
    s.slack.setScopes(DEFAULT_SCOPES);
    // Outstanding only in routed teams, so the routing check passes unless a test says otherwise.
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: daysBefore(16) },
      { id: 'search-1', owner_team: 'search', rotation_deadline: daysBefore(2) },
    ]);
  });

  it('all green: every section passes, exit 0, "all checks passed", and nothing is written', async () => {
    const run = await doctor();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('all checks passed');
    expect(marks(run, '✗')).toEqual([]);
    for (const name of [
      'config valid',
      'teams routed',
      'digest destination',
      'reachable',
      'schema migrated and current',
      'source table and mapped columns',
      "index for the sweep's read",
      'every team with outstanding consumers is routed',
      'token accepted',
      'scopes',
      `channel ${CHANNELS.payments}`,
      `channel ${CHANNELS.security}`,
    ]) {
      checkLine(run, '✓', name);
    }
    expect(checkLine(run, '✓', `channel ${CHANNELS.security}`).line).toContain('used by digest');
    expect(checkLine(run, '✓', 'every team with outstanding consumers is routed').line).toContain('2 team(s)');
    expect(run.stderr).toBe('');
    expect(await s.db.sql`select * from chaser_runs`).toHaveLength(0);
    expect(await s.db.sql`select * from chaser_nudge_state`).toHaveLength(0);
  });

  it("prints each team's next opening in its own zone", async () => {
    s.writeConfig({
      ...baseConfig(),
      teams: {
        payments: { channel: CHANNELS.payments, timezone: 'Asia/Kolkata', hours: { start: '09:30', end: '18:00' } },
        search: { channel: CHANNELS.search, outsideHours: 'schedule' },
      },
    });
    const run = await doctor();
    expect(run.code).toBe(0);
    // doctor runs on the real clock: either answer is right, the form is what is pinned.
    expect(checkLine(run, '✓', 'window payments').line).toMatch(
      /window payments — (open now, until 18:00 Asia\/Kolkata|next opening \d{4}-\d{2}-\d{2} 09:30 Asia\/Kolkata \(\d{4}-\d{2}-\d{2} 04:00Z\)); outside hours: wait/,
    );
    expect(checkLine(run, '✓', 'window search').line).toMatch(
      /(open now, until 17:00 UTC|next opening \d{4}-\d{2}-\d{2} 09:00 UTC .*); outside hours: schedule/,
    );
  });

  describe('config', () => {
    it('an invalid config: 78, the config line with every problem, database and Slack skipped', async () => {
      s.writeConfig({ tiers: [{ name: 'gentle', afterDaysOverdue: 0, every: 'often' }], teams: { payments: {} } });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fixLines } = checkLine(run, '✗', 'config valid');
      expect(line).toContain('invalid config');
      // Every problem, each on its own line with its path in the config.
      expect(fixLines).toEqual([expect.stringMatching(/^fix: tiers\[0\]\.every: /), expect.stringMatching(/^teams\.payments\.channel: /)]);
      checkLine(run, '-', 'database checks');
      checkLine(run, '-', 'slack checks');
      expect(s.slack.requests).toHaveLength(0); // Slack is not even asked
      expect(run.stdout).toMatch(/exit 78/);
    });

    it('no teams and no fallbackChannel: 78 with the fix', async () => {
      s.writeConfig({ ...baseConfig(), teams: {} });
      await s.db.sql`truncate rotation_consumers`;
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'teams routed');
      expect(line).toContain('no fallbackChannel');
      expect(fix).toMatch(/teams\.<owner_team>\.channel|fallbackChannel/);
    });

    it('a tier that mentions the team, for teams with no mention: a warning naming both, exit 0', async () => {
      s.writeConfig(baseConfig()); // search and identity have no mention; urgent and critical mention the team
      const run = await doctor();
      expect(run.code).toBe(0);
      const { line, fix } = checkLine(run, '!', 'team mentions');
      expect(line).toContain('tier(s) "urgent", "critical" mention the team, but 2 team(s) have no mention');
      expect(line).toContain('"identity", "search"');
      expect(fix).toContain('add teams.<team>.mention');
    });

    it('passes team mentions when every team has one, or when no tier mentions the team', async () => {
      const config = baseConfig();
      s.writeConfig({ ...config, teams: { payments: { channel: CHANNELS.payments, mention: 'S0PAYONCALL' } } });
      expect(checkLine(await doctor(), '✓', 'team mentions').line).toContain('every team has a mention');
      const quiet = ['gentle', 'firm', 'urgent', 'critical'].map((name, i) => ({
        name,
        afterDaysOverdue: [0, 3, 7, 14][i],
        every: '24h',
        mention: 'none',
      }));
      s.writeConfig({ ...config, tiers: quiet });
      expect(checkLine(await doctor(), '✓', 'team mentions').line).toContain('no tier mentions the team');
    });

    it('no digest destination: 78, fix names digest.channel / user / email', async () => {
      const { digest: _digest, ...config } = baseConfig();
      s.writeConfig(config);
      const run = await doctor();
      expect(run.code).toBe(78);
      const { fix } = checkLine(run, '✗', 'digest destination');
      expect(fix).toMatch(/digest\.channel, digest\.user or digest\.email/);
      expect(marks(run, '✗')).toHaveLength(1); // said once, not again in the Slack section
    });
  });

  describe('database', () => {
    it('unreachable (a closed port): 69, fix says where the URL comes from; Slack is still checked', async () => {
      const url = `postgres://chaser:s3cret-pw@127.0.0.1:${await closedPort()}/chaser`;
      const run = await doctor({ env: { DATABASE_URL: url }, secrets: ['s3cret-pw'] });
      expect(run.code).toBe(69);
      const { line, fix } = checkLine(run, '✗', 'reachable');
      expect(line).toMatch(/cannot reach Postgres.*connection refused/);
      expect(fix).toMatch(/DATABASE_URL/);
      checkLine(run, '✓', 'token accepted');
    });

    it('a mapped column that does not exist: 78, naming the config key and the column', async () => {
      s.writeConfig({ ...baseConfig(), source: { columns: { team: 'squad' } } });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'source table and mapped columns');
      expect(line).toContain('source.columns.team: column "squad" does not exist');
      expect(fix).toMatch(/existing columns: .*owner_team/);
      checkLine(run, '-', "index for the sweep's read");
    });

    it('no index for the sweep: a warning with the create index fix; the exit code stays 0', async () => {
      await s.db.sql`drop index rotation_consumers_sweep_idx`;
      onTestFinished(async () => {
        await s.db.sql`create index if not exists rotation_consumers_sweep_idx on rotation_consumers (status, rotation_deadline)`;
      });
      const run = await doctor();
      const { line, fix } = checkLine(run, '!', "index for the sweep's read");
      expect(line).toContain('no index on rotation_consumers');
      expect(fix).toBe('fix: create index on rotation_consumers (status, rotation_deadline)');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('all checks passed');
    });

    it('a team with outstanding consumers, no route and no fallbackChannel: 78 naming the team', async () => {
      await insertConsumers(s.db.sql, [
        { id: 'ghost-1', owner_team: 'ghosts', rotation_deadline: daysBefore(8) },
        // Not outstanding: routing it does not matter yet.
        { id: 'future-1', owner_team: 'later', rotation_deadline: new Date(NOW.getTime() + 86_400_000 * 365 * 10) },
        { id: 'done-1', owner_team: 'finished', rotation_deadline: daysBefore(8), status: 'confirmed' },
      ]);
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'every team with outstanding consumers is routed');
      expect(line).toContain('"ghosts"');
      expect(line).not.toContain('later');
      expect(line).not.toContain('finished');
      expect(fix).toMatch(/fallbackChannel/);
    });

    it('the same team with a fallbackChannel: a warning, exit 0', async () => {
      await insertConsumers(s.db.sql, [{ id: 'ghost-1', owner_team: 'ghosts', rotation_deadline: daysBefore(8) }]);
      s.writeConfig({ ...baseConfig(), fallbackChannel: CHANNELS.fallback });
      const run = await doctor();
      const { line } = checkLine(run, '!', 'every team with outstanding consumers is routed');
      expect(line).toContain(`fallbackChannel ${CHANNELS.fallback}`);
      expect(line).toContain('"ghosts"');
      expect(run.code).toBe(0);
    });
  });

  describe('slack', () => {
    it('SLACK_BOT_TOKEN missing: 78, fix says to export it', async () => {
      const run = await doctor({ env: { SLACK_BOT_TOKEN: undefined } });
      expect(run.code).toBe(78);
      const { fix } = checkLine(run, '✗', 'token present');
      expect(fix).toMatch(/export SLACK_BOT_TOKEN=xoxb-/);
      expect(s.slack.requests).toHaveLength(0);
      checkLine(run, '✓', 'reachable'); // the database section still ran
    });

    it('token rejected (invalid_auth): 69, no further Slack checks', async () => {
      s.slack.setTokenError('invalid_auth');
      const run = await doctor();
      expect(run.code).toBe(69);
      const { line, fix } = checkLine(run, '✗', 'token accepted');
      expect(line).toContain('invalid_auth');
      expect(fix).toMatch(/SLACK_BOT_TOKEN/);
      expect(s.slack.requests.map((r) => r.method)).toEqual(['auth.test']);
    });

    it('Slack unreachable (SLACK_API_URL on a closed port): 69', async () => {
      const run = await doctor({ env: { SLACK_API_URL: `http://127.0.0.1:${await closedPort()}/api/` } });
      expect(run.code).toBe(69);
      const { line, fix } = checkLine(run, '✗', 'token accepted');
      expect(line).toMatch(/could not reach Slack \(ECONNREFUSED\)/);
      expect(fix).toMatch(/SLACK_API_URL/);
    });

    it('chat:write not granted: 69, naming the scope', async () => {
      s.slack.setScopes(DEFAULT_SCOPES.filter((scope) => scope !== 'chat:write'));
      const run = await doctor();
      expect(run.code).toBe(69);
      const { line, fix } = checkLine(run, '✗', 'scopes');
      expect(line).toContain('missing chat:write');
      expect(fix).toMatch(/OAuth & Permissions/);
    });

    it('lists each thread feature on or off with the scope that turns it on; an off one does not change the exit code', async () => {
      s.slack.setScopes([...DEFAULT_SCOPES, 'channels:history', 'reactions:read']);
      const run = await doctor();
      expect(run.code).toBe(0);
      expect(checkLine(run, '✓', 'thread feature: read replies and parent reactions in team threads').line).toContain(
        'on (channels:history)',
      );
      expect(checkLine(run, '✓', "thread feature: read reactions on chaser's thread replies").line).toContain('on (reactions:read)');
      expect(checkLine(run, '!', 'thread feature: mark each answer read with 👀').line).toContain('off: grant reactions:write');
      expect(checkLine(run, '!', "thread feature: only the team's user group may answer").line).toContain('off: grant usergroups:read');
      s.writeConfig({ ...baseConfig(), threads: 'off' });
      expect((await doctor()).stdout).not.toContain('thread feature');
    });

    it('a digest by email without users:read.email: 69, naming the scope', async () => {
      s.writeConfig({ ...baseConfig(), digest: { email: 'lead@example.com' } });
      s.slack.setScopes(DEFAULT_SCOPES.filter((scope) => scope !== 'users:read.email'));
      const run = await doctor();
      expect(run.code).toBe(69);
      const { line } = checkLine(run, '✗', 'scopes');
      expect(line).toContain('users:read.email');
      expect(line).not.toContain('chat:write');
    });

    it('a configured channel that does not exist: 78, naming it and the config key using it', async () => {
      s.writeConfig({ ...baseConfig(), teams: { ...(baseConfig()['teams'] as object), identity: { channel: 'C0NOSUCHCHN' } } });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line } = checkLine(run, '✗', 'channel C0NOSUCHCHN');
      expect(line).toContain('channel_not_found');
      expect(line).toContain('teams.identity');
      checkLine(run, '✓', `channel ${CHANNELS.payments}`);
    });

    it('an archived channel: 78, naming the config key and the fix', async () => {
      s.slack.addChannel({ id: 'C0ARCHIVED1', name: 'old-security', isArchived: true });
      s.writeConfig({ ...baseConfig(), digest: { channel: 'C0ARCHIVED1' } });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'channel C0ARCHIVED1');
      expect(line).toContain('archived (used by digest)');
      expect(fix).toMatch(/unarchive it or point digest at another channel/);
    });

    it('a private channel without the bot: 78, naming it, fix says to invite the bot', async () => {
      s.slack.addChannel({ id: 'G0PRIVATE01', name: 'private-ops', isPrivate: true, isMember: false });
      s.writeConfig({ ...baseConfig(), fallbackChannel: 'G0PRIVATE01' });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'channel G0PRIVATE01');
      expect(line).toContain('fallbackChannel');
      expect(fix).toMatch(/invite/);
    });

    it('a #name channel is resolved through conversations.list; an unknown #name is 78', async () => {
      s.writeConfig({ ...baseConfig(), digest: { channel: '#security' }, fallbackChannel: '#no-such-channel' });
      const run = await doctor();
      checkLine(run, '✓', 'channel #security');
      const { line } = checkLine(run, '✗', 'channel #no-such-channel');
      expect(line).toContain('fallbackChannel');
      expect(run.code).toBe(78);
      expect(s.slack.calls('conversations.list')).toHaveLength(1); // listed once, for both names
      expect(s.slack.calls('conversations.info').map((r) => r.params['channel'])).toContain(CHANNELS.security);
    });

    it('a digest recipient by email that Slack does not know: 78', async () => {
      s.writeConfig({ ...baseConfig(), digest: { email: 'nobody@example.com' } });
      const run = await doctor();
      expect(run.code).toBe(78);
      const { line, fix } = checkLine(run, '✗', 'digest recipient');
      expect(line).toContain('nobody@example.com');
      expect(fix).toMatch(/digest\.email/);
    });

    it('a digest recipient by email that exists passes', async () => {
      s.writeConfig({ ...baseConfig(), digest: { email: 'lead@example.com' } });
      const run = await doctor();
      expect(run.code).toBe(0);
      checkLine(run, '✓', 'digest recipient');
    });
  });

  it('the worst failure decides the exit code: a config problem (78) outranks Slack auth (69)', async () => {
    s.slack.setTokenError('token_revoked');
    s.writeConfig({ ...baseConfig(), source: { columns: { keyId: 'kid' } } });
    const run = await doctor();
    checkLine(run, '✗', 'token accepted');
    checkLine(run, '✗', 'source table and mapped columns');
    expect(run.code).toBe(78);
  });

  it('-q prints only the failing checks and no success line', async () => {
    const quietGreen = await s.run(['doctor', '-q']);
    expect(quietGreen.code).toBe(0);
    expect(quietGreen.stdout).toBe('');
    s.slack.setTokenError('invalid_auth');
    const quietRed = await s.run(['doctor', '-q']);
    expect(quietRed.code).toBe(69);
    expect(quietRed.stdout).toContain('✗ token accepted');
  });

  describe('on a database chaser never migrated', () => {
    let bare: TestDatabase;
    beforeAll(async () => {
      bare = await startTestDatabase({ migrated: false });
    });
    afterAll(async () => {
      await bare?.stop();
    });

    it('69: schema missing, the fix says `chaser migrate`; doctor creates nothing', async () => {
      const run = await doctor({ env: { DATABASE_URL: bare.url } });
      const { line, fix } = checkLine(run, '✗', 'schema migrated and current');
      expect(line).toContain("chaser's tables are not in this database");
      expect(fix).toContain('chaser migrate');
      expect(run.code).toBe(69);
      const [row] = await bare.sql<{ n: number }[]>`
        select count(*)::int as n from pg_catalog.pg_tables where tablename like 'chaser%' or tablename = 'rotation_consumers'`;
      expect(row!.n).toBe(0);
    });
  });
});
