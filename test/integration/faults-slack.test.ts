import { describe, expect, it } from 'vitest';
import { CONSUMER_OF, seedThreeTeams, serialConfig } from '../support/campaign.js';
import { nudgeCounts, runRows } from '../support/chaser-state.js';
import { backend } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();
const ALL_RECORDED = { 'pay-1': 1, 'search-1': 1, 'id-1': 1 };

interface JsonTeam {
  team: string;
  delivered: boolean;
  error?: string;
}

describe(`Slack faults (${backend})`, () => {
  const s = useScenario();

  /** chat.postMessage calls (answered or not) aimed at one channel. */
  const postsTo = (channel: string) => s.slack.calls('chat.postMessage').filter((r) => r.params['channel'] === channel);
  const deliveredTo = (channel: string) => s.slack.posts().filter((p) => p.channelId === channel);
  const digestText = () => JSON.stringify(deliveredTo(CHANNELS.security)[0]?.blocks ?? null);

  /** Runs a sweep with --json and returns the exit code, the parsed result and stderr. */
  async function sweepJson(args: string[] = []) {
    const run = await s.run(['sweep', '--now', ISO, '--json', ...args]);
    const result = JSON.parse(run.stdout) as { teams: JsonTeam[]; digest: { delivered: boolean; error?: string }; exitCode: number };
    const team = (name: string) => result.teams.find((t) => t.team === name);
    return { code: run.code, result, team, stderr: run.stderr };
  }

  describe('rate limits', () => {
    it('429 with Retry-After: waits that long for that channel, delivers once, exit unaffected', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.fail('chat.postMessage', { status: 429, retryAfter: 1 }, { channel: CHANNELS.payments });
      const { code, team } = await sweepJson();
      expect(code).toBe(3);
      expect(team('payments')).toMatchObject({ delivered: true });
      const [limited, retried] = postsTo(CHANNELS.payments);
      expect(postsTo(CHANNELS.payments)).toHaveLength(2);
      expect(retried!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(1000); // Retry-After: 1 honoured
      expect(deliveredTo(CHANNELS.payments)).toHaveLength(1);
      expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED);
    });
  });

  describe('transient failures: bounded retries, then failed (exit 4)', () => {
    it('5xx: exactly slack.retries + 1 attempts, then the team is failed and listed with its reason', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig(serialConfig({ slack: { retries: 1 } })); // default is 2: 2 calls proves the setting is used
      s.slack.fail('chat.postMessage', { status: 503 }, { channel: CHANNELS.search, times: Infinity });
      const { code, team, stderr } = await sweepJson();
      expect(code).toBe(4);
      expect(postsTo(CHANNELS.search)).toHaveLength(2);
      expect(team('search')).toMatchObject({ delivered: false, error: expect.stringContaining('HTTP 503') });
      expect(stderr).toMatch(/1 team message\(s\) not delivered: search \(Slack answered HTTP 503/);
      expect(digestText()).toMatch(/search\*.*failed\*: Slack answered HTTP 503/);
      expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'id-1': 1 }); // search-1 did not move
    });
  });

  describe('a lost answer: the post reached Slack, its answer never came back', () => {
    const lostAnswers = [
      { what: 'a timeout (answered after slack.timeoutMs)', fault: { delayMs: 30_000 }, says: /did not answer in time \(timeout\)/ },
      { what: 'the connection dropped after the post', fault: { dropConnection: true, deliver: true }, says: /connection to Slack broke/ },
      { what: "a gateway's 504 after Slack posted", fault: { status: 504, deliver: true }, says: /HTTP 504/ },
    ] as const;
    for (const { what, fault, says } of lostAnswers) {
      it(`${what}: posted once, not retried in the run; failed (exit 4), unrecorded; the next run sends it once more`, async () => {
        await seedThreeTeams(s.db.sql);
        // Retries allowed: a post whose answer is lost must still not be repeated.
        s.writeConfig(serialConfig({ slack: { retries: 2, timeoutMs: 1000 } }));
        s.slack.fail('chat.postMessage', fault, { channel: CHANNELS.identity });
        const { code, team, stderr } = await sweepJson();
        expect(code).toBe(4);
        expect(postsTo(CHANNELS.identity)).toHaveLength(1);
        expect(deliveredTo(CHANNELS.identity)).toHaveLength(1);
        expect(team('identity')).toMatchObject({ delivered: false, error: expect.stringMatching(says) });
        expect(team('identity')!.error).toMatch(/may have been posted; not re-sent in this run/);
        expect(stderr).toMatch(/identity \(.*may have been posted/);
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1 });

        // The README's bound: at most one re-nudge, on the next run.
        const next = await sweepJson();
        expect(next.code).toBe(3);
        expect(deliveredTo(CHANNELS.identity)).toHaveLength(2);
        expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED);
      });
    }
  });

  describe('an answer that is JSON but not an object: that team failed, the other lanes recorded', () => {
    for (const body of ['null', '"ok"', '[]', '42']) {
      it(`answer ${body} to one of three lanes in parallel: exit 4 (not 70); the two accepted posts are recorded`, async () => {
        await seedThreeTeams(s.db.sql);
        s.writeConfig({ ...baseConfig(), slack: { ...(baseConfig()['slack'] as object), concurrency: 3 } });
        s.slack.fail('chat.postMessage', { body, deliver: true }, { channel: CHANNELS.search });
        const { code, team, result, stderr } = await sweepJson();
        expect(stderr).not.toMatch(/internal error/);
        expect(code).toBe(4);
        expect(result.exitCode).toBe(4);
        expect(team('search')).toMatchObject({
          delivered: false,
          error: expect.stringMatching(/answer could not be read.*may have been posted/),
        });
        expect(team('payments')).toMatchObject({ delivered: true });
        expect(team('identity')).toMatchObject({ delivered: true });
        expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'id-1': 1 });
        const [record] = await runRows(s.db.sql);
        expect(record).toMatchObject({ exit_code: 4, teams_failed: 1, teams_messaged: 2, nudged: 2 });
      });
    }
  });

  describe('channel problems: that team fails, the others are nudged (exit 4)', () => {
    it('channel_not_found: listed in the digest and in --json with the reason; its nudge count does not move', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig(serialConfig({ teams: { identity: { channel: 'C0NOSUCHCH1' } } }));
      const { code, team, result } = await sweepJson();
      expect(code).toBe(4);
      expect(team('identity')).toMatchObject({ delivered: false, error: 'channel_not_found' });
      expect(team('payments')).toMatchObject({ delivered: true });
      expect(result.exitCode).toBe(4);
      expect(digestText()).toMatch(/Needs attention.*identity\*.*failed\*: channel_not_found/);
      expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'search-1': 1 });
      const [record] = await runRows(s.db.sql);
      expect(record).toMatchObject({ exit_code: 4, teams_failed: 1, teams_messaged: 2 });
    });

    it('not_in_channel on a public channel (no chat:write.public): joins once, then delivers', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.addChannel({ id: 'C0NOTJOIN01', name: 'search-quiet', isMember: false });
      s.slack.setScopes(DEFAULT_SCOPES.filter((scope) => scope !== 'chat:write.public'));
      try {
        s.writeConfig(serialConfig({ teams: { search: { channel: 'C0NOTJOIN01' } } }));
        const { code, team } = await sweepJson();
        expect(code).toBe(3);
        expect(s.slack.calls('conversations.join').map((r) => r.params['channel'])).toEqual(['C0NOTJOIN01']);
        expect(team('search')).toMatchObject({ delivered: true });
        expect(deliveredTo('C0NOTJOIN01')).toHaveLength(1);
        expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED);
      } finally {
        s.slack.setScopes(DEFAULT_SCOPES);
      }
    });

    it('not_in_channel on a private channel: cannot join, failed with the fix (invite the bot)', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.addChannel({ id: 'G0PRIVATE01', name: 'search-private', isPrivate: true, isMember: false });
      s.writeConfig(serialConfig({ teams: { search: { channel: 'G0PRIVATE01' } } }));
      const { code, team } = await sweepJson();
      expect(code).toBe(4);
      expect(s.slack.calls('conversations.join')).toHaveLength(1); // tried once, not in a loop
      expect(team('search')).toMatchObject({ delivered: false, error: expect.stringMatching(/not_in_channel.*\/invite/) });
      expect(deliveredTo('G0PRIVATE01')).toEqual([]);
      expect(await nudgeCounts(s.db.sql)).toEqual({ 'pay-1': 1, 'id-1': 1 });
    });

    it('is_archived: failed with that reason', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.addChannel({ id: 'C0ARCHIVED1', name: 'old-payments', isArchived: true });
      s.writeConfig(serialConfig({ teams: { payments: { channel: 'C0ARCHIVED1' } } }));
      const { code, team } = await sweepJson();
      expect(code).toBe(4);
      expect(team('payments')).toMatchObject({ delivered: false, error: 'is_archived' });
      expect(digestText()).toMatch(/payments\*.*failed\*: is_archived/);
      expect(await nudgeCounts(s.db.sql)).toEqual({ 'search-1': 1, 'id-1': 1 });
    });
  });

  describe('credentials that cannot post: abort before the next post, exit 69', () => {
    for (const code of ['invalid_auth', 'token_revoked', 'account_inactive']) {
      it(`${code} at start (auth.test): nothing read, nothing posted, nothing recorded`, async () => {
        await seedThreeTeams(s.db.sql);
        s.slack.setTokenError(code);
        const run = await s.run(['sweep', '--now', ISO]);
        expect(run.code).toBe(69);
        expect(run.stderr).toContain(`(${code})`);
        expect(run.stderr).toContain('nothing was posted');
        expect(s.slack.calls('chat.postMessage')).toEqual([]);
        expect(await runRows(s.db.sql)).toEqual([]);
        expect(await nudgeCounts(s.db.sql)).toEqual({});
      });
    }

    it('missing_scope at start (the token lacks chat:write): exit 69 naming the scope', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.setScopes(DEFAULT_SCOPES.filter((scope) => scope !== 'chat:write'));
      try {
        const run = await s.run(['sweep', '--now', ISO]);
        expect(run.code).toBe(69);
        expect(run.stderr).toContain('the Slack app lacks the scope chat:write');
        expect(s.slack.calls('chat.postMessage')).toEqual([]);
      } finally {
        s.slack.setScopes(DEFAULT_SCOPES);
      }
    });

    const midRun = [
      { error: 'invalid_auth', says: /invalid_auth/ },
      { error: 'token_revoked', says: /token_revoked/ },
      { error: 'account_inactive', says: /account_inactive/ },
      {
        error: 'missing_scope',
        extra: { needed: 'chat:write', provided: 'channels:read' },
        says: /lacks the scope chat:write \(missing_scope\)/,
      },
    ];
    for (const { error, extra, says } of midRun) {
      it(`${error} on the first post: no further post (no digest either), exit 69, the reason on stderr`, async () => {
        await seedThreeTeams(s.db.sql);
        s.writeConfig(serialConfig());
        s.slack.fail('chat.postMessage', { error, ...(extra ? { extra } : {}) });
        const { code, team, stderr, result } = await sweepJson();
        expect(code).toBe(69);
        expect(stderr).toMatch(says);
        expect(s.slack.calls('chat.postMessage')).toHaveLength(1);
        expect(team('payments')).toMatchObject({ delivered: false, error });
        expect(team('search')).toMatchObject({ delivered: false, error: expect.stringContaining('not sent') });
        expect(result.digest.delivered).toBe(false);
        expect(await nudgeCounts(s.db.sql)).toEqual({});
        const [record] = await runRows(s.db.sql);
        expect(record).toMatchObject({ exit_code: 69, nudged: 0 });
      });
    }
  });

  describe('the digest', () => {
    it('cannot be delivered: said on stderr, exit 4; the nudges still count', async () => {
      await seedThreeTeams(s.db.sql);
      s.slack.fail('chat.postMessage', { error: 'is_archived' }, { channel: CHANNELS.security });
      const { code, result, stderr } = await sweepJson();
      expect(code).toBe(4);
      expect(stderr).toMatch(/the digest could not be delivered to C0SECURITY1: is_archived/);
      expect(result.digest).toMatchObject({
        delivered: false,
        error: expect.stringMatching(/^is_archived: check digest.channel \(C0SECURITY1\) exists and is not archived/),
      });
      expect(await nudgeCounts(s.db.sql)).toEqual(ALL_RECORDED);
      const [record] = await runRows(s.db.sql);
      expect(record).toMatchObject({ exit_code: 4, digest_delivered: false });
    });

    it('a lead whose email is unknown to Slack: stderr says what to check (the address, users:read.email), exit 4', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig({ ...serialConfig(), digest: { email: 'nobody@example.com' } });
      const { code, result, stderr } = await sweepJson();
      expect(code).toBe(4);
      expect(stderr).toMatch(
        /the digest could not be delivered to nobody@example.com: users_not_found: check digest.email \(nobody@example.com\) is the lead's address in Slack, and that the app has the users:read.email/,
      );
      expect(result.digest.delivered).toBe(false);
      expect(s.slack.posts().map((p) => p.channelId)).not.toContain(CHANNELS.security);
      expect(await nudgeCounts(s.db.sql)).toEqual({ [CONSUMER_OF.payments]: 1, [CONSUMER_OF.search]: 1, [CONSUMER_OF.identity]: 1 });
    });

    it('the summary claims a retry only for what will be retried: a digest run whose digest failed', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig({ ...serialConfig(), digest: { email: 'nobody@example.com' } });
      const run = await s.run(['digest', '--now', ISO]);
      expect(run.code).toBe(4);
      expect(run.stdout).toMatch(/^exit 4: the digest was not delivered \(stderr says what to check\)$/m);
      expect(run.stdout).not.toMatch(/retried next run|next sweep sends them/);
    });

    it('a sweep whose team message failed: exit 4 says the next sweep sends it (it is not recorded)', async () => {
      await seedThreeTeams(s.db.sql);
      s.writeConfig(serialConfig({ teams: { identity: { channel: 'C0NOSUCHCH1' } } }));
      const run = await s.run(['sweep', '--now', ISO]);
      expect(run.code).toBe(4);
      expect(run.stdout).toMatch(/^exit 4: 1 team message\(s\) not delivered; not recorded, so the next sweep sends them$/m);
    });
  });
});
