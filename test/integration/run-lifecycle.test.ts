import { describe, expect, it } from 'vitest';
import { seedThreeTeams } from '../support/campaign.js';
import { runRows } from '../support/chaser-state.js';
import { backend, insertConsumers } from '../support/db.js';
import { DAY_MS, HOUR_MS, NOW } from '../support/clock.js';
import { at, baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';

const ISO = NOW.toISOString();

/** A config as a new user writes it before adding the digest. */
function withoutDigest(): Record<string, unknown> {
  const { digest: _digest, ...rest } = baseConfig();
  return rest;
}

describe(`run lifecycle (${backend})`, () => {
  const s = useScenario();

  describe('dry-run refuses what sweep refuses', () => {
    it('no digest destination: sweep and dry-run both exit 78 with the same fix; --no-digest lets both run', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig(withoutDigest());
      const sweep = await s.run(['sweep', '--now', ISO]);
      const dry = await s.run(['dry-run', '--now', ISO]);
      expect(sweep.code).toBe(78);
      expect(dry.code).toBe(78);
      expect(dry.stderr).toContain('digest: no destination configured');
      expect(dry.stderr).toContain('or pass --no-digest');
      expect(s.slack.requests).toHaveLength(0);

      expect((await s.run(['dry-run', '--now', ISO, '--no-digest'])).code).toBe(3);
    });

    it('no SLACK_BOT_TOKEN: sweep exits 78; dry-run previews (exit 3) and warns that sweep would refuse', async () => {
      await seedThreeTeams(s.db.sql);
      const sweep = await s.run(['sweep', '--now', ISO], { env: { SLACK_BOT_TOKEN: undefined } });
      expect(sweep.code).toBe(78);
      const dry = await s.run(['dry-run', '--now', ISO], { env: { SLACK_BOT_TOKEN: undefined } });
      expect(dry.code).toBe(3);
      expect(dry.stderr).toMatch(/warning: SLACK_BOT_TOKEN is not set: .*`chaser sweep` would refuse to run \(exit 78\)/);
      const withToken = await s.run(['dry-run', '--now', ISO]);
      expect(withToken.stderr).not.toContain('SLACK_BOT_TOKEN');
    });
  });

  describe('the digest: at most once per digest period from sweeps; `chaser digest` always sends', () => {
    const digests = () => s.slack.posts().filter((p) => p.channelId === CHANNELS.security).length;
    const sweepAt = (ms: number, args: string[] = []) => s.run(['sweep', '--now', at(ms).toISOString(), '--json', ...args]);

    it('a re-run (a CronJob retry) does not resend it; the next day does, a little early included', async () => {
      await seedThreeTeams(s.db.sql);
      expect((await sweepAt(0)).code).toBe(3);
      expect(digests()).toBe(1);

      const retry = await sweepAt(10 * 60_000);
      expect(retry.code).toBe(3);
      expect(digests()).toBe(1);
      const result = JSON.parse(retry.stdout) as { digest: { delivered: boolean; error?: string } };
      expect(result.digest).toEqual({
        delivered: false,
        error: expect.stringMatching(/^not due: a sweep sent it as of 2026-03-10 09:00.*digest\.every is 1d/),
      });
      expect((await runRows(s.db.sql)).map((r) => r.digest_delivered)).toEqual([true, false]);

      // The next morning's run starts 20 minutes earlier than today's: within the scheduler grace.
      expect((await sweepAt(DAY_MS - 20 * 60_000)).code).toBe(3);
      expect(digests()).toBe(2);
    });

    it("`chaser digest` by hand always sends, and does not hold back the next sweep's", async () => {
      await seedThreeTeams(s.db.sql);
      await sweepAt(0);
      expect((await s.run(['digest', '--now', at(HOUR_MS).toISOString()])).code).toBe(3);
      expect((await s.run(['digest', '--now', at(2 * HOUR_MS).toISOString()])).code).toBe(3);
      expect(digests()).toBe(3);
      await sweepAt(DAY_MS);
      expect(digests()).toBe(4);
    });

    it('a digest that failed is sent by the next sweep; digest.every sets the period', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig({ ...baseConfig(), digest: { channel: CHANNELS.security, every: '6h' } });
      s.slack.fail('chat.postMessage', { error: 'is_archived' }, { channel: CHANNELS.security });
      expect((await sweepAt(0)).code).toBe(4);
      expect((await sweepAt(HOUR_MS)).code).toBe(3);
      expect(digests()).toBe(1);
      expect((await sweepAt(2 * HOUR_MS)).code).toBe(3);
      expect(digests()).toBe(1);
      expect((await sweepAt(7 * HOUR_MS)).code).toBe(3);
      expect(digests()).toBe(2);
    });

    it("a filtered sweep's digest does not count for the whole campaign's", async () => {
      await seedThreeTeams(s.db.sql);
      await sweepAt(0, ['--team', 'payments']);
      await sweepAt(60_000);
      expect(digests()).toBe(2);
    });
  });

  describe('fallbackChannel: a team whose own channel fails is nudged there, saying why', () => {
    for (const { what, channel, reason } of [
      { what: 'channel_not_found', channel: 'C0NOSUCHCH1', reason: 'channel_not_found' },
      { what: 'is_archived', channel: 'C0ARCHIVED9', reason: 'is_archived' },
      { what: 'not_in_channel (private, cannot join)', channel: 'G0PRIVATE09', reason: 'not_in_channel' },
    ]) {
      it(`${what}: delivered in the fallback channel, recorded there, exit 3`, async () => {
        s.slack.addChannel({ id: 'C0ARCHIVED9', name: 'old-identity', isArchived: true });
        s.slack.addChannel({ id: 'G0PRIVATE09', name: 'identity-private', isPrivate: true, isMember: false });
        await seedThreeTeams(s.db.sql);
        const config = baseConfig();
        s.writeConfig({ ...config, fallbackChannel: CHANNELS.fallback, teams: { ...(config['teams'] as object), identity: { channel } } });
        const run = await s.run(['sweep', '--now', ISO, '--json']);
        expect(run.code).toBe(3);
        const identity = (JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> }).teams.find((t) => t['team'] === 'identity');
        expect(identity).toMatchObject({
          delivered: true,
          fallback: { channel: CHANNELS.fallback, from: channel, reason: expect.stringContaining(reason) },
        });
        const [post] = s.slack.posts().filter((p) => p.channelId === CHANNELS.fallback);
        expect(JSON.stringify(post?.blocks)).toMatch(
          new RegExp(`Posted here because team \\*identity\\*'s own channel .*${channel}.* could not be reached \\(${reason}`),
        );
        expect(run.stderr).toMatch(
          new RegExp(`team "identity": its channel ${channel} could not be reached .*nudged in the fallbackChannel ${CHANNELS.fallback}`),
        );
        const log = await s.db.sql<
          { consumer_id: string; channel: string }[]
        >`select consumer_id, channel from chaser_nudge_log order by consumer_id`;
        expect(log).toContainEqual({ consumer_id: 'id-1', channel: CHANNELS.fallback });
        expect((await runRows(s.db.sql))[0]).toMatchObject({ teams_failed: 0, teams_messaged: 3 });
      });
    }

    it('a fallback that fails too: the team fails with both reasons (exit 4), nothing recorded for it', async () => {
      await seedThreeTeams(s.db.sql);
      const config = baseConfig();
      s.writeConfig({
        ...config,
        fallbackChannel: 'C0NOSUCHFB1',
        teams: { ...(config['teams'] as object), identity: { channel: 'C0NOSUCHCH1' } },
      });
      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(4);
      const identity = (JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> }).teams.find((t) => t['team'] === 'identity');
      expect(identity).toMatchObject({
        delivered: false,
        error: 'channel_not_found; the fallbackChannel C0NOSUCHFB1 failed too: channel_not_found',
      });
    });
  });

  describe('what a cron log says', () => {
    it('the sweep summary names the teams nudged and those that failed: the first few, then "and N more"', async () => {
      await insertConsumers(
        s.db.sql,
        Array.from({ length: 7 }, (_, i) => ({
          id: `c${i + 1}`,
          name: `svc-${i + 1}`,
          owner_team: `t${i + 1}`,
          rotation_deadline: daysBefore(10 - i),
        })),
      );
      s.writeConfig({ ...baseConfig(), fallbackChannel: CHANNELS.fallback });
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/^  nudged 7 team\(s\), 7 consumer\(s\): t1, t2, t3, t4, t5 and 2 more$/m);
    });

    it('a failed team is named with its reason', async () => {
      await seedThreeTeams(s.db.sql);
      const config = baseConfig();
      s.writeConfig({ ...config, teams: { ...(config['teams'] as object), identity: { channel: 'C0NOSUCHCH1' } } });
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(4);
      expect(run.stdout).toMatch(/^  nudged 2 team\(s\), 2 consumer\(s\): payments, search$/m);
      expect(run.stdout).toMatch(/^  not delivered to 1 team\(s\): identity \(channel_not_found\)$/m);
    });

    it('-v logs each stage: config path, database, rows read, plan, each delivery and record, digest, run record', async () => {
      await seedThreeTeams(s.db.sql);
      const run = await s.run(['sweep', '--now', ISO, '-v']);
      expect(run.code).toBe(3);
      const lines = run.stderr
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { msg: string } & Record<string, unknown>);
      const find = (msg: string) => lines.find((l) => l.msg === msg);
      expect(find('config loaded')).toMatchObject({ path: expect.stringMatching(/chaser\.config\.json$/) });
      expect(find('database ready')).toMatchObject({ database: expect.stringMatching(/:\d+\//), table: 'rotation_consumers' });
      expect(find('rows read')).toMatchObject({ rows: 3 });
      expect(find('plan')).toMatchObject({ outstanding: 3, teamsDue: 3 });
      for (const team of ['payments', 'search', 'identity']) {
        expect(find(`nudged ${team}`)).toBeDefined();
        expect(find(`recorded ${team}`)).toMatchObject({ nudges: 1 });
      }
      expect(find(`digest sent to ${CHANNELS.security}`)).toBeDefined();
      expect(find('run record closed')).toMatchObject({ exitCode: 3, nudged: 3, digestDelivered: true });
      const order = [
        'config loaded',
        'database ready',
        'run record opened',
        'rows read',
        'plan',
        'recorded payments',
        `digest sent to ${CHANNELS.security}`,
        'run record closed',
      ];
      const at = order.map((msg) => lines.findIndex((l) => l.msg === msg));
      expect(at).toEqual([...at].sort((a, b) => a - b));
    });
  });

  describe('--now against the database clock', () => {
    const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

    it('sweep and digest refuse a --now a day ahead (64, pointing at dry-run); nothing posted or written; dry-run previews it', async () => {
      await seedThreeTeams(s.db.sql);
      const future = fromNow(DAY_MS);
      for (const command of ['sweep', 'digest']) {
        const run = await s.run([command, '--now', future]);
        expect(run.code).toBe(64);
        expect(run.stderr).toMatch(/--now .* is 24 h ahead of the database's clock/);
        expect(run.stderr).toContain(`chaser dry-run --now ${future}`);
      }
      expect(s.slack.calls('chat.postMessage')).toEqual([]);
      expect(await runRows(s.db.sql)).toEqual([]);
      expect((await s.run(['dry-run', '--now', future])).code).toBe(3);
    });

    it('a --now within the 5-minute skew is accepted', async () => {
      await seedThreeTeams(s.db.sql);
      expect((await s.run(['sweep', '--now', fromNow(2 * 60_000)])).code).toBe(3);
    });

    it('nudges recorded in the future: every run and doctor warn', async () => {
      await seedThreeTeams(s.db.sql);
      expect((await s.run(['sweep', '--now', ISO])).code).toBe(3);
      await s.db.sql`update chaser_nudge_state set last_nudged_at = now() + interval '30 days' where consumer_id = 'pay-1'`;
      const warning = /warning: 1 consumer\(s\) have a nudge recorded in the future \(latest .*\): they are not nudged again until then/;
      expect((await s.run(['dry-run', '--now', ISO])).stderr).toMatch(warning);
      expect((await s.run(['sweep', '--now', at(HOUR_MS).toISOString()])).stderr).toMatch(warning);
      const doctor = await s.run(['doctor']);
      expect(doctor.stdout).toMatch(/no nudge recorded in the future — 1 consumer\(s\) have a nudge dated after the database's clock/);
    });
  });
});
