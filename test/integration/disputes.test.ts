import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { checkPostMessage } from '../support/slack-checker.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { ANA, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Monday 2026-03-09, 09:00 UTC: days 0–4 fall inside the default working window. */
const START = new Date('2026-03-09T09:00:00Z');
const day = (n: number, hours = 0) => new Date(START.getTime() + n * DAY + hours * 3_600_000).toISOString();

const LEAD = 'U0SECLEAD01';
const WORKFLOW = 'U0WORKFLOW'; // another app's bot user

describe(`routing disputes: to the fallbackChannel once, settled by the lead or the inventory (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack({ id: WORKFLOW, email: 'workflow@example.com', isBot: true }),
    config: { ...baseConfig(), fallbackChannel: CHANNELS.fallback },
  });

  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
    ]);
  const sweep = async (at: string) => {
    const run = await s.run(['sweep', '--now', at, '--json']);
    expect(run.code, run.stderr).toBe(3);
    const result = JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> };
    return { run, teams: result.teams };
  };
  const consumersOf = (teams: Array<Record<string, unknown>>, team: string) => teams.find((t) => t['team'] === team)?.['consumers'];
  const fallbackPosts = () => s.slack.posts().filter((p) => p.channelId === CHANNELS.fallback);
  const lastDigest = () =>
    JSON.stringify(
      s.slack
        .posts()
        .filter((p) => p.channelId === CHANNELS.security)
        .at(-1)?.blocks,
    );
  const disputeRows = () =>
    s.db.sql<{ team: string; consumer_id: string; channel: string; resolved_by: string | null }[]>`
      select team, consumer_id, channel, resolved_by from chaser_dispute_posts order by id`;
  const disputeOnDay3 = async () => {
    await seed();
    await sweep(day(0));
    const parentTs = s.slack.posts().find((p) => p.channelId === CHANNELS.payments)?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'not ours refunds-worker @search');
    const { teams } = await sweep(day(3));
    return { parentTs, teams };
  };

  it('a disputed consumer leaves the team thread, is posted to the fallbackChannel once, and stays in the digest', async () => {
    const { parentTs, teams } = await disputeOnDay3();
    // Only checkout-api is nudged in the thread; refunds-worker is disputed.
    expect(consumersOf(teams, 'payments')).toEqual(['pay-1']);
    const reply = s.slack
      .posts()
      .filter((p) => p.channelId === CHANNELS.payments && p.params['thread_ts'] === parentTs)
      .find((p) => JSON.stringify(p.blocks).includes('checkout-api') && !JSON.stringify(p.params).includes('Got it'));
    expect(reply).toBeDefined();

    const [post, ...more] = fallbackPosts();
    expect(more).toEqual([]);
    const text = JSON.stringify(post?.blocks);
    expect(text).toContain('Team *payments* says this consumer is not theirs');
    expect(text).toContain('*refunds-worker* (pay-2) — by <@U0ANA00001>, suggested owner @search');
    expect(text).toContain('react :white_check_mark: here');
    expect(checkPostMessage(post!.params, { allowedMentions: [ANA] })).toEqual([]);
    expect(await disputeRows()).toEqual([{ team: 'payments', consumer_id: 'pay-2', channel: CHANNELS.fallback, resolved_by: null }]);
    expect(lastDigest()).toContain('routing dispute: refunds-worker (suggested @search)');

    // A dry-run posts and records nothing.
    await s.db.sql`delete from chaser_dispute_posts`;
    expect((await s.run(['dry-run', '--now', day(3)])).code).toBe(3);
    expect(fallbackPosts()).toHaveLength(1);
    expect(await disputeRows()).toEqual([]);
    // Put back as the sweep recorded it.
    await s.db.sql`insert into chaser_dispute_posts (event_id, campaign, team, consumer_id, channel, message_ts, posted_at)
                   select id, '', team, consumer_id, ${CHANNELS.fallback}, ${post!.ts}, recorded_at from chaser_ack_events where kind = 'not_ours'`;

    // The next runs: not posted again, still held from the thread, still in the digest.
    const later = await sweep(day(6));
    expect(fallbackPosts()).toHaveLength(1);
    expect(consumersOf(later.teams, 'payments')).toEqual(['pay-1']);
    expect(lastDigest()).toContain('routing dispute: refunds-worker');
  });

  it("the lead's ✅ on the fallback post resolves it: the consumer is chased in its thread again, the digest drops it; a bot's ✅ does not count", async () => {
    await disputeOnDay3();
    const post = fallbackPosts()[0]!;
    s.slack.react(CHANNELS.fallback, post.ts, WORKFLOW, 'white_check_mark');
    const stillHeld = await sweep(day(6));
    expect(consumersOf(stillHeld.teams, 'payments')).toEqual(['pay-1']);
    expect((await disputeRows())[0]?.resolved_by).toBeNull();

    s.slack.react(CHANNELS.fallback, post.ts, LEAD, 'white_check_mark');
    const { teams } = await sweep(day(9));
    expect(consumersOf(teams, 'payments')).toEqual(['pay-1', 'pay-2']);
    expect(await disputeRows()).toEqual([{ team: 'payments', consumer_id: 'pay-2', channel: CHANNELS.fallback, resolved_by: LEAD }]);
    expect(lastDigest()).not.toContain('routing dispute');
    expect(fallbackPosts()).toHaveLength(1);
  });

  it('the owner changed in the inventory: the dispute ends (resolved by the inventory) and the new team is chased', async () => {
    await disputeOnDay3();
    await s.db.sql`update rotation_consumers set owner_team = 'search' where id = 'pay-2'`;
    const { teams } = await sweep(day(6));
    expect(consumersOf(teams, 'search')).toEqual(['pay-2']);
    expect(await disputeRows()).toEqual([{ team: 'payments', consumer_id: 'pay-2', channel: CHANNELS.fallback, resolved_by: 'inventory' }]);
    expect(lastDigest()).not.toContain('routing dispute');
    expect(fallbackPosts()).toHaveLength(1);
  });

  it('without a fallbackChannel: listed in the digest only, and doctor says so', async () => {
    s.writeConfig(baseConfig());
    await disputeOnDay3();
    expect(fallbackPosts()).toEqual([]);
    expect(await disputeRows()).toEqual([]);
    expect(lastDigest()).toContain('routing dispute: refunds-worker');
    const doctor = await s.run(['doctor']);
    expect(doctor.stdout).toContain('routing disputes — listed in the digest only (no fallbackChannel)');
  });
});
