import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { startSlackGate } from '../support/slack-gate.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { ANA, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Day 0 of the campaign: Tuesday 2026-03-10, 09:00 UTC (in the past, as sweep refuses a future --now). Runs are daily, at --now, never waited for. */
const START = new Date('2026-03-10T09:00:00Z');
const day = (n: number) => new Date(START.getTime() + n * DAY).toISOString();

const MANAGER = 'U0MANAGER1';
const DIRECTOR = 'U0DIRECTOR';

/** One daily tier: every run is a nudge; escalate after 2 ignored ones, to the manager, then the director. */
function escalatingConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...baseConfig(),
    tiers: [
      { name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none', escalateAfterIgnored: 2, escalateTo: MANAGER, chain: [DIRECTOR] },
    ],
    ...extra,
  };
}

describe(`escalation past a silent team, and the message budget (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack({ id: MANAGER, email: 'manager@example.com' }, { id: DIRECTOR, email: 'director@example.com' }),
  });

  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
    ]);
  const sweep = async (at: string, args: string[] = []) => {
    const run = await s.run(['sweep', '--now', at, '--no-digest', ...args]);
    expect(run.code, run.stderr).toBe(3);
    return run;
  };
  const escalationPosts = () => s.slack.posts().filter((p) => String(p.text).startsWith('Escalation'));
  const escalations = () =>
    s.db.sql<{ team: string; step: number; target: string; ignored: number; ignored_since: Date }[]>`
      select team, step, target, ignored, ignored_since from chaser_escalations order by id`;
  const parentTs = () => s.slack.posts().find((p) => p.channelId === CHANNELS.payments && p.params['thread_ts'] === undefined)?.ts ?? '';

  it('a silent team is escalated to its manager after K ignored nudges, once; the chain climbs; an answer stops it', async () => {
    // Every day a workday, so the daily runs are all inside working hours (held ones: below).
    s.writeConfig(escalatingConfig({ calendar: { workdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } }));
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    expect(escalationPosts()).toHaveLength(0); // one ignored nudge: not yet

    const escalatedRun = await sweep(day(2), ['--json']);
    const [first] = escalationPosts();
    expect(first?.channelId).toBe(s.slack.dmWith(MANAGER));
    expect(first?.text).toBe('Escalation: 2 nudges to *payments* went unanswered since 2026-03-10');
    const said = JSON.stringify(first?.blocks);
    expect(said).toContain('checkout-api');
    expect(said).toContain('2 consumers still outstanding');
    // It links the team's thread: chat.getPermalink of the parent, asked once and stored.
    expect(said).toContain(
      `<https://fake-workspace.slack.com/archives/${CHANNELS.payments}/p${parentTs().replace('.', '')}|the team's thread>`,
    );
    expect(s.slack.calls('chat.getPermalink')).toHaveLength(1);
    expect(JSON.parse(escalatedRun.stdout).escalations).toEqual([
      {
        team: 'payments',
        step: 1,
        target: `user:${MANAGER}`,
        ignored: 2,
        since: day(0),
        delivered: true,
        channel: s.slack.dmWith(MANAGER),
      },
    ]);
    expect(JSON.parse(escalatedRun.stdout).teams[0].escalated).toEqual({ step: 1, target: `user:${MANAGER}`, delivered: true });
    expect(await escalations()).toEqual([
      { team: 'payments', step: 1, target: `user:${MANAGER}`, ignored: 2, ignored_since: new Date(day(0)) },
    ]);

    // Its own cadence: a re-run, and the next day (3 ignored, still step 1), escalate nothing.
    await sweep(day(2));
    await sweep(day(3));
    expect(escalationPosts()).toHaveLength(1);

    // Four ignored: step 2, the director.
    await sweep(day(4));
    expect(s.slack.calls('chat.getPermalink')).toHaveLength(1); // the stored permalink is used
    expect(JSON.stringify(escalationPosts()[1]?.blocks)).toContain("|the team's thread>");
    expect(escalationPosts().map((p) => p.channelId)).toEqual([s.slack.dmWith(MANAGER), s.slack.dmWith(DIRECTOR)]);
    expect((await escalations()).map((e) => [e.step, e.target, e.ignored])).toEqual([
      [1, `user:${MANAGER}`, 2],
      [2, `user:${DIRECTOR}`, 4],
    ]);

    // Someone answers in the thread: the silence is over, nothing is escalated, however many runs follow.
    s.slack.reply(CHANNELS.payments, parentTs(), ANA, 'on it, rotating this week');
    await sweep(day(5));
    await sweep(day(6));
    expect(escalationPosts()).toHaveLength(2);
    // The answer was read at day 5's run: nudges from then on start a new silence. Day 6's and 7's
    // ignored by day 8: step 1 again, the manager.
    await sweep(day(7));
    expect(escalationPosts()).toHaveLength(2);
    await sweep(day(8));
    expect(escalationPosts().map((p) => p.channelId)).toEqual([s.slack.dmWith(MANAGER), s.slack.dmWith(DIRECTOR), s.slack.dmWith(MANAGER)]);
    expect(escalationPosts().at(-1)?.text).toBe('Escalation: 2 nudges to *payments* went unanswered since 2026-03-16');
  });

  it("a reaction is an answer too: a 👍 on the parent by a team member ends the silence; a non-member's does not", async () => {
    s.writeConfig(escalatingConfig({ calendar: { workdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } }));
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    await sweep(day(2));
    expect(escalationPosts()).toHaveLength(1); // step 1, the manager
    // Someone outside the team's group reacts: no answer, so two more ignored nudges climb to step 2.
    s.slack.react(CHANNELS.payments, parentTs(), MANAGER, '+1');
    await sweep(day(3));
    await sweep(day(4));
    expect(escalationPosts()).toHaveLength(2);
    // A member's 👍: heard, changes nothing else, and no further escalation however many runs follow.
    s.slack.react(CHANNELS.payments, parentTs(), ANA, '+1');
    await sweep(day(5));
    await sweep(day(6));
    expect(escalationPosts()).toHaveLength(2);
    expect(await s.db.sql`select kind, source, actor, body from chaser_ack_events order by id`).toEqual([
      { kind: 'response', source: 'reaction', actor: ANA, body: '+1' },
    ]);
  });

  const evening = (n: number) => new Date(START.getTime() + n * DAY + 11 * 3_600_000).toISOString(); // 20:00 UTC

  it("an escalation respects the team's working hours: held outside them, not lost, sent by the next run inside them", async () => {
    s.writeConfig(escalatingConfig());
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    const held = await sweep(evening(2), ['--json']);
    expect(escalationPosts()).toHaveLength(0);
    expect(JSON.parse(held.stdout).escalations).toEqual([
      expect.objectContaining({
        team: 'payments',
        step: 1,
        delivered: false,
        held: { reason: 'outside-hours', until: '2026-03-13T09:00:00.000Z' },
      }),
    ]);
    expect(await escalations()).toEqual([]);
    const [record] = await s.db.sql<{ escalated: number }[]>`select escalated from chaser_runs order by id desc limit 1`;
    expect(record?.escalated).toBe(0);
    const human = await s.run(['dry-run', '--now', evening(2)]);
    expect(human.stdout).toContain(
      `escalation held: payments → user:${MANAGER} (step 1): 2 nudge(s) unanswered since 2026-03-10 (outside working hours; window opens 2026-03-13 09:00 UTC)`,
    );
    await sweep(day(3));
    expect(escalationPosts().map((p) => p.channelId)).toEqual([s.slack.dmWith(MANAGER)]);
    expect(await escalations()).toHaveLength(1);
  });

  it('with outsideHours "schedule" an escalation outside working hours is scheduled at the opening, and recorded once', async () => {
    s.writeConfig(escalatingConfig({ calendar: { outsideHours: 'schedule' } }));
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    s.slack.setClock(new Date(evening(2))); // Slack's own clock, which post_at must be ahead of
    try {
      const run = await sweep(evening(2), ['--json']);
      const scheduled = s.slack.scheduled().filter((m) => m.text.startsWith('Escalation'));
      expect(scheduled.map((m) => [m.channelId, m.postAt])).toEqual([[s.slack.dmWith(MANAGER), Date.parse('2026-03-13T09:00:00Z') / 1000]]);
      expect(JSON.parse(run.stdout).escalations).toEqual([
        expect.objectContaining({ delivered: true, postAt: '2026-03-13T09:00:00.000Z' }),
      ]);
      expect(await escalations()).toHaveLength(1);
      await sweep(evening(2));
      expect(s.slack.scheduled().filter((m) => m.text.startsWith('Escalation'))).toHaveLength(1);
    } finally {
      s.slack.setClock(undefined);
    }
  });

  it('an escalation goes out without the link when Slack refuses the permalink', async () => {
    s.writeConfig(escalatingConfig());
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    s.slack.fail('chat.getPermalink', { error: 'internal_error' }, { times: Infinity });
    await sweep(day(2));
    const [escalation] = escalationPosts();
    expect(escalation?.channelId).toBe(s.slack.dmWith(MANAGER));
    const said = JSON.stringify(escalation?.blocks);
    expect(said).not.toContain('archives/');
    expect(said).toContain("Any reply or reaction in the team's thread stops the escalation.");
  });

  it('a status change in the inventory is an answer: no escalation, and the next silence counts from it', async () => {
    s.writeConfig(escalatingConfig());
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    // The team confirms one consumer between runs: it answered, in the inventory.
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-1'`;
    const dry = await s.run(['dry-run', '--now', day(2)]);
    expect(dry.stdout).not.toContain('would escalate');
    expect(await s.db.sql`select 1 from chaser_inventory_responses`).toHaveLength(0); // dry-run records nothing
    await sweep(day(2));
    expect(escalationPosts()).toHaveLength(0);
    expect(await s.db.sql`select consumer_id, team, how, after_nudge_at, seen_at from chaser_inventory_responses`).toEqual([
      { consumer_id: 'pay-1', team: 'payments', how: 'status', after_nudge_at: new Date(day(1)), seen_at: new Date(day(2)) },
    ]);
    // As with a reply read at a run, that run's own nudge is after the answer: Friday's (day 3) and
    // Monday's (day 6; the weekend is outside working hours) are ignored by day 7: the next silence.
    await sweep(day(3));
    await sweep(day(6));
    expect(escalationPosts()).toHaveLength(0);
    await sweep(day(7));
    expect(escalationPosts().map((p) => p.text)).toEqual(['Escalation: 2 nudges to *payments* went unanswered since 2026-03-13']);
  });

  it('a snooze newly set in the inventory is an answer: no escalation', async () => {
    s.writeConfig(escalatingConfig());
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    await s.db.sql`update rotation_consumers set snoozed_until = ${new Date(day(9))} where id = 'pay-1'`;
    await sweep(day(2));
    await sweep(day(2)); // a re-run: seen once, recorded once
    expect(escalationPosts()).toHaveLength(0);
    expect(await s.db.sql`select consumer_id, how, seen_at from chaser_inventory_responses`).toEqual([
      { consumer_id: 'pay-1', how: 'snooze', seen_at: new Date(day(2)) },
    ]);
  });

  it('dry-run shows the escalation a sweep would send, and sends nothing', async () => {
    s.writeConfig(escalatingConfig());
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    const dry = await s.run(['dry-run', '--now', day(2)]);
    expect(dry.stdout).toContain(`would escalate: payments → user:${MANAGER} (step 1): 2 nudge(s) unanswered since 2026-03-10`);
    expect(escalationPosts()).toHaveLength(0);
    expect(await escalations()).toEqual([]);
  });

  it('a budget holds nudges back visibly: --json per team, the run record, the digest; the thread parent is updated instead', async () => {
    s.writeConfig({
      ...baseConfig(),
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 2,
    });
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    // dry-run shows the hold a sweep would make, and sends nothing.
    const dry = await s.run(['dry-run', '--now', day(2)]);
    expect(dry.stdout).toContain("held back: payments's nudge (2 consumer(s)) — budget: 2 of 2 messages in the last 7 days");
    const updatesBefore = s.slack.calls('chat.update').length;
    const held = await s.run(['sweep', '--now', day(2), '--json']);
    expect(held.code, held.stderr).toBe(3);
    const json = JSON.parse(held.stdout);
    expect(json.teams).toEqual([
      expect.objectContaining({
        team: 'payments',
        delivered: false,
        held: { why: 'budget: 2 of 2 messages in the last 7 days', sentInWeek: 2, limit: 2 },
      }),
    ]);
    expect(json.held).toEqual([{ team: 'payments', tier: 'firm', consumers: 2, why: 'budget: 2 of 2 messages in the last 7 days' }]);
    const payments = s.slack.posts().filter((p) => p.channelId === CHANNELS.payments);
    expect(payments).toHaveLength(2); // the parent and one reply; day 2's nudge held
    expect(s.slack.calls('chat.update').length).toBeGreaterThan(updatesBefore);
    const [record] = await s.db.sql<
      { nudges_held: number; held: unknown }[]
    >`select nudges_held, held from chaser_runs order by id desc limit 1`;
    expect(record).toEqual({
      nudges_held: 1,
      held: [{ team: 'payments', tier: 'firm', consumers: 2, why: 'budget: 2 of 2 messages in the last 7 days' }],
    });
    const digest = s.slack
      .posts()
      .filter((p) => p.channelId === CHANNELS.security)
      .at(-1);
    expect(JSON.stringify(digest?.blocks)).toContain("1 nudge held back by payments' budget");
    expect(held.stdout).not.toContain('"escalations"');
    // A week after the first nudge, the window has room again.
    await sweep(day(7));
    expect(s.slack.posts().filter((p) => p.channelId === CHANNELS.payments)).toHaveLength(3);
  });

  it('a team held for working hours does not use its budget: it shows as held for hours, not by the budget', async () => {
    s.writeConfig({
      ...baseConfig(),
      tiers: [{ name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' }],
      maxMessagesPerTeamPerWeek: 2,
    });
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    // Day 2 at 20:00 UTC: outside the default 09:00–17:00 window ("wait"); payments is also at 2 of 2.
    const run = await s.run(['sweep', '--now', evening(2), '--json', '--no-digest']);
    expect(run.code, run.stderr).toBe(3);
    const json = JSON.parse(run.stdout);
    expect(json.held).toBeUndefined();
    expect(json.teams).toEqual([
      expect.objectContaining({ team: 'payments', delivered: false, held: { reason: 'outside-hours', until: '2026-03-13T09:00:00.000Z' } }),
    ]);
    const [record] = await s.db.sql<{ nudges_held: number | null }[]>`select nudges_held from chaser_runs order by id desc limit 1`;
    expect(record?.nudges_held ?? 0).toBe(0);
  });

  it("an escalation survives a kill between Slack's ok and the record: sent at most twice, recorded once, never again", async () => {
    s.writeConfig(
      escalatingConfig({
        tiers: [
          { name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none', escalateAfterIgnored: 2, escalateTo: CHANNELS.security },
        ],
      }),
    );
    await seed();
    await sweep(day(0));
    await sweep(day(1));
    const gate = await startSlackGate(s.slack.url);
    try {
      gate.hold('chat.postMessage'); // the day's nudge: let it through once it is held, then hold the escalation
      const killed = s.start(['sweep', '--now', day(2), '--no-digest'], { env: { SLACK_API_URL: gate.url } });
      await gate.whenHeld();
      gate.release();
      gate.hold('chat.postMessage');
      await gate.whenHeld();
      killed.child.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
    } finally {
      gate.release();
      await gate.close();
    }
    expect(escalationPosts()).toHaveLength(1); // Slack has it
    expect(await escalations()).toEqual([]); // chaser never heard the ok
    await sweep(day(2));
    expect(escalationPosts()).toHaveLength(2); // the one duplicate the README names
    expect(await escalations()).toHaveLength(1);
    await sweep(day(2));
    await sweep(day(3));
    expect(escalationPosts()).toHaveLength(2);
  });
});
