import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { checkPostMessage } from '../support/slack-checker.js';
import { at, baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { DAY_MS, HOUR_MS, NOW } from '../support/clock.js';

const ISO = NOW.toISOString();

describe(`chaser sweep (${backend})`, () => {
  const s = useScenario();

  async function seedCampaign() {
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: daysBefore(16) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: daysBefore(4) },
      { id: 'pay-done', name: 'ledger', owner_team: 'payments', rotation_deadline: daysBefore(20), status: 'confirmed' },
      { id: 'pay-exempt', name: 'legacy-batch', owner_team: 'payments', rotation_deadline: daysBefore(20), status: 'exempt' },
      { id: 'search-1', name: 'indexer', owner_team: 'search', rotation_deadline: daysBefore(1) },
      { id: 'search-snoozed', name: 'crawler', owner_team: 'search', rotation_deadline: daysBefore(9), snoozed_until: at(2 * DAY_MS) },
      { id: 'id-future', name: 'sso', owner_team: 'identity', rotation_deadline: at(3 * DAY_MS) },
      { id: 'ghost-1', name: 'orphan-job', owner_team: 'ghosts', rotation_deadline: daysBefore(8) },
    ]);
  }

  const stateOf = async () =>
    Object.fromEntries(
      (
        await s.db.sql<{ consumer_id: string; nudge_count: number; last_tier: string }[]>`
        select consumer_id, nudge_count, last_tier from chaser_nudge_state order by consumer_id`
      ).map((r) => [r.consumer_id, [r.nudge_count, r.last_tier]]),
    );

  it('posts one message per routed team, records only delivered nudges, sends the digest, exits 3', async () => {
    await seedCampaign();
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.stderr).toMatch(/team "ghosts" has no channel and there is no fallbackChannel/); // never dropped silently
    expect(run.code).toBe(3);

    const posts = s.slack.posts();
    expect(posts.map((p) => p.channelId)).toEqual(expect.arrayContaining([CHANNELS.payments, CHANNELS.search, CHANNELS.security]));
    expect(posts).toHaveLength(3); // payments, search, digest: identity has nothing due, ghosts is unrouted
    for (const post of posts) {
      expect(checkPostMessage(post.params, { allowedMentions: ['S0PAYONCALL'] })).toEqual([]);
    }
    const payments = posts.find((p) => p.channelId === CHANNELS.payments)!;
    expect(payments.text).toContain('<!subteam^S0PAYONCALL>'); // critical tier mentions the team
    expect(JSON.stringify(payments.blocks)).toContain('checkout-api');
    expect(JSON.stringify(payments.blocks)).toContain('refunds-worker');
    expect(JSON.stringify(payments.blocks)).not.toContain('ledger');
    const search = posts.find((p) => p.channelId === CHANNELS.search)!;
    expect(JSON.stringify(search.blocks)).not.toContain('crawler'); // snoozed

    expect(await stateOf()).toEqual({ 'pay-1': [1, 'critical'], 'pay-2': [1, 'firm'], 'search-1': [1, 'gentle'] });
    const log = await s.db.sql`select consumer_id, team, channel, tier from chaser_nudge_log order by consumer_id`;
    expect(log.map((r) => [r.consumer_id, r.team, r.channel])).toEqual([
      ['pay-1', 'payments', CHANNELS.payments],
      ['pay-2', 'payments', CHANNELS.payments],
      ['search-1', 'search', CHANNELS.search],
    ]);
    const [runRow] = await s.db.sql`select command, outstanding, nudged, teams_messaged, digest_delivered, exit_code from chaser_runs`;
    expect(runRow).toMatchObject({ command: 'sweep', outstanding: 5, nudged: 3, teams_messaged: 2, digest_delivered: true, exit_code: 3 });

    const digest = posts.find((p) => p.channelId === CHANNELS.security)!;
    expect(JSON.stringify(digest.blocks)).toContain('ghosts');
    expect(JSON.stringify(digest.blocks)).toMatch(/unrouted/i);
  });

  it('re-running at once sends no nudge again; after the cadence it does', async () => {
    // Runs at 21:00Z, outside the default 09:00–17:00 window: this test is about cadence alone.
    s.writeConfig({ ...baseConfig(), calendar: { outsideHours: 'send' } });
    await seedCampaign();
    expect((await s.run(['sweep', '--now', ISO])).code).toBe(3);
    s.slack.reset();
    const again = await s.run(['sweep', '--now', at(1000).toISOString()]);
    expect(again.code).toBe(3);
    expect(s.slack.posts().map((p) => p.channelId)).toEqual([]); // no nudge due, and today's digest went out
    expect(await stateOf()).toEqual({ 'pay-1': [1, 'critical'], 'pay-2': [1, 'firm'], 'search-1': [1, 'gentle'] });

    // 12 h later: critical (every 12h) is due again, firm (24h) and gentle (72h) are not.
    s.slack.reset();
    await s.run(['sweep', '--now', at(12 * HOUR_MS).toISOString()]);
    expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.payments]); // the digest: once a day
    expect(await stateOf()).toEqual({ 'pay-1': [2, 'critical'], 'pay-2': [1, 'firm'], 'search-1': [1, 'gentle'] });
  });

  it('stops chasing a consumer the moment it is confirmed', async () => {
    await seedCampaign();
    await s.run(['sweep', '--now', ISO]);
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-1'`;
    s.slack.reset();
    const later = await s.run(['sweep', '--now', at(3 * DAY_MS).toISOString(), '--json']);
    const result = JSON.parse(later.stdout);
    const payments = result.teams.find((t: { team: string }) => t.team === 'payments');
    expect(payments.consumers).toEqual(['pay-2']);
  });

  it('--json prints the contract result on stdout and nothing else', async () => {
    await seedCampaign();
    const run = await s.run(['sweep', '--now', ISO, '--json']);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      command: 'sweep',
      now: ISO,
      outstanding: 5,
      byTier: { gentle: 1, firm: 1, urgent: 2, critical: 1 },
      digest: { delivered: true, channel: CHANNELS.security },
      exitCode: 3,
    });
    expect(result.teams).toEqual(
      expect.arrayContaining([
        // v0.2 adds each team's thread and the answers read back (threads.test.ts pins those).
        expect.objectContaining({
          team: 'payments',
          channel: CHANNELS.payments,
          tier: 'critical',
          consumers: ['pay-1', 'pay-2'],
          delivered: true,
        }),
        expect.objectContaining({ team: 'search', channel: CHANNELS.search, tier: 'gentle', consumers: ['search-1'], delivered: true }),
        expect.objectContaining({ team: 'ghosts', channel: null, delivered: false, error: expect.stringMatching(/unrouted/) }),
      ]),
    );
  });

  it('--fail-on decides the gate: never → 0, a tier → only at that tier or later', async () => {
    await insertConsumers(s.db.sql, [{ id: 'a', owner_team: 'search', rotation_deadline: daysBefore(4) }]); // firm
    expect((await s.run(['sweep', '--now', ISO, '--fail-on', 'never', '--no-digest'])).code).toBe(0);
    expect((await s.run(['dry-run', '--now', ISO, '--fail-on', 'urgent'])).code).toBe(0);
    expect((await s.run(['dry-run', '--now', ISO, '--fail-on', 'firm'])).code).toBe(3);
    expect((await s.run(['dry-run', '--now', ISO, '--fail-on', 'outstanding'])).code).toBe(3);
  });

  it('nothing outstanding: exit 0, no nudge, the digest says so', async () => {
    await insertConsumers(s.db.sql, [{ id: 'done', rotation_deadline: daysBefore(5), status: 'confirmed' }]);
    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(0);
    expect(s.slack.posts().map((p) => p.channelId)).toEqual([CHANNELS.security]);
  });

  it('--team and --key limit the run', async () => {
    await seedCampaign();
    await insertConsumers(s.db.sql, [
      { id: 'pay-other-key', owner_team: 'payments', key_id: 'kms/other', rotation_deadline: daysBefore(2) },
    ]);
    const byTeam = JSON.parse((await s.run(['dry-run', '--now', ISO, '--json', '--team', 'search', '--team', 'ghosts'])).stdout);
    expect(byTeam.teams.map((t: { team: string }) => t.team).sort()).toEqual(['ghosts', 'search']);
    const byKey = JSON.parse((await s.run(['dry-run', '--now', ISO, '--json', '--key', 'kms/other'])).stdout);
    expect(byKey.teams).toEqual([expect.objectContaining({ team: 'payments', consumers: ['pay-other-key'] })]);
    expect(byKey.outstanding).toBe(1);
  });

  it('--no-digest skips the digest', async () => {
    await seedCampaign();
    await s.run(['sweep', '--now', ISO, '--no-digest']);
    expect(s.slack.posts().map((p) => p.channelId)).not.toContain(CHANNELS.security);
  });

  it('sends the digest to a lead found by email, in a DM', async () => {
    await seedCampaign();
    s.writeConfig({ ...JSON.parse(JSON.stringify(baseConfigWithDigest({ email: 'lead@example.com' }))) });
    const run = await s.run(['digest', '--now', ISO]);
    expect(run.code).toBe(3);
    expect(s.slack.calls('users.lookupByEmail')).toHaveLength(1);
    const posts = s.slack.posts();
    expect(posts).toHaveLength(1); // digest alone: no nudges
    expect(posts[0]!.channelId).toBe(s.slack.dmWith('U0SECLEAD01'));
    expect(await s.db.sql`select * from chaser_nudge_state`).toHaveLength(0);
    const [runRow] = await s.db.sql`select command, digest_delivered from chaser_runs`;
    expect(runRow).toMatchObject({ command: 'digest', digest_delivered: true });
  });

  it('dry-run writes nothing and posts nothing', async () => {
    await seedCampaign();
    const run = await s.run(['dry-run', '--now', ISO]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('checkout-api');
    expect(run.stdout).toContain('would record: 2 nudge(s)');
    expect(s.slack.requests).toHaveLength(0);
    expect(await s.db.sql`select * from chaser_nudge_state`).toHaveLength(0);
    expect(await s.db.sql`select * from chaser_runs`).toHaveLength(0);
  });

  it('a consumer named like a mention pings nobody', async () => {
    await insertConsumers(s.db.sql, [
      {
        id: 'evil-1',
        name: '<!channel> & <!here> <@U123> <https://evil.example|click>',
        owner_team: 'search',
        rotation_deadline: daysBefore(2),
        key_id: '<!everyone>',
      },
    ]);
    await s.run(['sweep', '--now', ISO]);
    const posts = s.slack.posts();
    expect(posts).toHaveLength(2);
    for (const post of posts) expect(checkPostMessage(post.params)).toEqual([]);
    expect(JSON.stringify(posts[0]!.blocks)).toContain('&lt;!channel&gt; &amp; &lt;!here&gt;');
    expect(posts[0]!.params['link_names']).toBeUndefined();
  });
});

function baseConfigWithDigest(digest: Record<string, string>) {
  return {
    teams: { payments: { channel: CHANNELS.payments }, search: { channel: CHANNELS.search } },
    digest,
    slack: { perChannelIntervalMs: 0, retries: 0, timeoutMs: 2000 },
  };
}
