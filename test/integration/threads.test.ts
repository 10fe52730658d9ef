import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { checkPostMessage } from '../support/slack-checker.js';
import { startSlackGate } from '../support/slack-gate.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { ANA, ANSWER_READ_SCOPES, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Day 0 of the campaign: Monday 2026-03-09, 09:00 UTC (days 0–4 fall inside the default Mon–Fri 09:00–17:00 window; in the past, as sweep refuses a future --now). Runs are daily, at --now, never waited for. */
const START = new Date('2026-03-09T09:00:00Z');
const day = (n: number, hours = 0) => new Date(START.getTime() + n * DAY + hours * 3_600_000).toISOString();

const BEN = 'U0BEN00001'; // a person, not in the group
const WORKFLOW = 'U0WORKFLOW'; // another app's bot user

describe(`living threads and answers read back (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack({ id: BEN, email: 'ben@example.com' }, { id: WORKFLOW, email: 'workflow@example.com', isBot: true }),
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
  const paymentsPosts = () => s.slack.posts().filter((p) => p.channelId === CHANNELS.payments);
  const topLevel = () => paymentsPosts().filter((p) => p.params['thread_ts'] === undefined);
  const threadRows = () =>
    s.db.sql<{ team: string; parent_ts: string; closed_reason: string | null; last_tier: string | null }[]>`
      select team, parent_ts, closed_reason, last_tier from chaser_threads order by id`;
  const events = () =>
    s.db.sql<{ consumer_id: string | null; kind: string; source: string; actor: string; detail: string | null }[]>`
      select consumer_id, kind, source, actor, detail from chaser_ack_events order by id`;

  it('one thread per team: the first nudge is its parent, follow-ups are replies, broadcast only when the tier rose', async () => {
    await seed();
    await sweep(day(0));
    const [parent] = topLevel();
    expect(parent).toBeDefined();
    expect(parent?.params['metadata']).toEqual({
      event_type: 'chaser_nudge',
      event_payload: { key: expect.stringMatching(/^\d+\/payments\/parent$/), team: 'payments', campaign: '' },
    });
    expect(JSON.stringify(parent?.blocks)).toContain('Status as of 2026-03-09');
    expect(await threadRows()).toEqual([{ team: 'payments', parent_ts: parent?.ts, closed_reason: null, last_tier: 'gentle' }]);

    // Day 3: gentle's 72h passed and the consumers are 4 days overdue: firm, a rise, so broadcast.
    await sweep(day(3));
    // Day 4: firm again (24h): a quiet reply.
    await sweep(day(4));
    expect(topLevel()).toHaveLength(1);
    const replies = paymentsPosts().filter((p) => p.params['thread_ts'] === parent?.ts);
    expect(replies.map((r) => r.params['reply_broadcast'] ?? 'quiet')).toEqual(['true', 'quiet']);
    for (const post of paymentsPosts()) expect(checkPostMessage(post.params, { allowedMentions: ['S0PAYONCALL'] })).toEqual([]);
    // The parent is kept current: "as of" the latest run.
    const updates = s.slack.calls('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(s.slack.message(CHANNELS.payments, parent?.ts ?? '')?.blocks)).toContain('Status as of 2026-03-13');
  });

  it("broadcasts a rise once: a team's lower-tier reply between its higher-tier ones does not re-arm the broadcast", async () => {
    // Firm (every 24h) from day 0 09:00; an urgent consumer joins at 13:00. From then on the two
    // come due at different hours, so the team's replies alternate firm, urgent, firm, urgent.
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - 4 * DAY) },
    ]);
    await sweep(day(0));
    await insertConsumers(s.db.sql, [
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - 8 * DAY) },
    ]);
    await sweep(day(0, 4));
    await sweep(day(1));
    await sweep(day(1, 4));
    const [parent] = topLevel();
    const replies = paymentsPosts().filter((p) => p.params['thread_ts'] === parent?.ts && !String(p.text).startsWith('Got it'));
    // The rise to urgent is shown in the channel once; the urgent reply a day later is quiet.
    expect(replies.map((r) => r.params['reply_broadcast'] ?? 'quiet')).toEqual(['true', 'quiet', 'quiet']);
    expect((await threadRows()).map((t) => t.last_tier)).toEqual(['urgent']);
  });

  it("reads answers on the next run: a member's reply and reaction take effect, a non-member and a bot do not; nothing twice", async () => {
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    const done = s.slack.reply(CHANNELS.payments, parentTs, ANA, 'done checkout-api');
    s.slack.reply(CHANNELS.payments, parentTs, BEN, 'done');
    s.slack.reply(CHANNELS.payments, parentTs, WORKFLOW, 'done');
    s.slack.react(CHANNELS.payments, parentTs, WORKFLOW, 'white_check_mark');
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'snooze 99999d');

    await sweep(day(1));
    expect(await events()).toEqual([
      { consumer_id: 'pay-1', kind: 'done', source: 'reply', actor: ANA, detail: null },
      { consumer_id: null, kind: 'refused', source: 'reply', actor: BEN, detail: 'not-allowed' },
      { consumer_id: null, kind: 'refused', source: 'reply', actor: ANA, detail: expect.stringContaining('99999d') },
    ]);
    // Heard: 👀 on Ana's answers, and one "Got it" saying what was and was not understood.
    expect(s.slack.message(CHANNELS.payments, done.ts)?.reactions.get('eyes')).toEqual(['U0FAKEBOT1']);
    const confirmations = paymentsPosts().filter((p) => String(p.text).startsWith('Got it'));
    expect(confirmations).toHaveLength(1);
    const said = JSON.stringify(confirmations[0]?.blocks);
    expect(said).toContain('*checkout-api* claimed done by <@U0ANA00001>');
    expect(said).toContain('Not understood from <@U0ANA00001>');
    expect(said).toContain("<@U0BEN00001>'s answer was not counted");
    expect(checkPostMessage(confirmations[0]!.params, { allowedMentions: [ANA, BEN] })).toEqual([]);

    // The same run again (a re-run, or one after a kill): nothing recorded or confirmed twice.
    await sweep(day(1));
    expect(await events()).toHaveLength(3);
    expect(paymentsPosts().filter((p) => String(p.text).startsWith('Got it'))).toHaveLength(1);
  });

  it('a run killed between the harvest and the nudges loses no answer and, re-run, counts none twice', async () => {
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'done checkout-api');
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'eta 2026-03-28');
    const gate = await startSlackGate(s.slack.url);
    try {
      gate.hold('chat.postMessage'); // the "Got it" reply: the answers are recorded, nothing is nudged yet
      const killed = s.start(['sweep', '--now', day(3), '--no-digest'], { env: { SLACK_API_URL: gate.url } });
      await gate.whenHeld();
      killed.child.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
    } finally {
      await gate.close();
    }
    expect((await events()).map((e) => [e.kind, e.consumer_id])).toEqual([
      ['done', 'pay-1'],
      ['eta', 'pay-1'],
      ['eta', 'pay-2'],
    ]);
    const nudgedBefore = await s.db.sql`select consumer_id, nudge_count from chaser_nudge_state order by consumer_id`;
    expect(nudgedBefore).toEqual([
      { consumer_id: 'pay-1', nudge_count: 1 },
      { consumer_id: 'pay-2', nudge_count: 1 },
    ]);

    await sweep(day(3));
    expect((await events()).map((e) => [e.kind, e.consumer_id])).toEqual([
      ['done', 'pay-1'],
      ['eta', 'pay-1'],
      ['eta', 'pay-2'],
    ]);
    // The claim held: only refunds-worker was nudged, once.
    expect(await s.db.sql`select consumer_id, nudge_count from chaser_nudge_state order by consumer_id`).toEqual([
      { consumer_id: 'pay-1', nudge_count: 1 },
      { consumer_id: 'pay-2', nudge_count: 2 },
    ]);
    expect(await threadRows()).toHaveLength(1);
  });

  it('a claim holds its consumer for claimGrace; still pending after it, chasing resumes one tier higher and says why', async () => {
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'done checkout-api');
    await sweep(day(1)); // harvested: claimed until day 3
    await sweep(day(3, 1)); // gentle cadence over; claimGrace over too: checkout-api re-escalates
    const last = paymentsPosts().at(-1);
    expect(last?.params['thread_ts']).toBe(parentTs);
    const text = JSON.stringify(last?.blocks);
    expect(text).toContain('claimed done by <@U0ANA00001> on 2026-03-10, still pending in the inventory');
    const state = await s.db.sql`select consumer_id, last_tier from chaser_nudge_state order by consumer_id`;
    // 5 days overdue is firm; the unverified claim puts checkout-api one higher.
    expect(state).toEqual([
      { consumer_id: 'pay-1', last_tier: 'urgent' },
      { consumer_id: 'pay-2', last_tier: 'firm' },
    ]);
  });

  it('a post Slack delivered but answered too late: found by its metadata, recorded as delivered, not re-sent', async () => {
    s.writeConfig({ ...baseConfig(), slack: { perChannelIntervalMs: 0, retries: 0, timeoutMs: 1000 } });
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    s.slack.fail('chat.postMessage', { delayMs: 3000 }, { channel: CHANNELS.payments }); // delivers, then times out
    const run = await sweep(day(3));
    expect(run.stderr).not.toMatch(/not delivered/);
    const replies = paymentsPosts().filter((p) => p.params['thread_ts'] === parentTs);
    expect(replies).toHaveLength(1);
    expect(s.slack.calls('conversations.replies').some((r) => r.params['include_all_metadata'] === 'true')).toBe(true);
    const log = await s.db.sql`select consumer_id, message_ts from chaser_nudge_log where message_ts = ${replies[0]?.ts ?? ''}`;
    expect(log.map((r) => r['consumer_id'])).toEqual(['pay-1', 'pay-2']);
  });

  it('threads "off": posts are tagged with metadata too, so a post Slack delivered but answered too late is recorded, not re-sent', async () => {
    s.writeConfig({ ...baseConfig(), threads: 'off', slack: { perChannelIntervalMs: 0, retries: 0, timeoutMs: 1000 } });
    await seed();
    s.slack.fail('chat.postMessage', { delayMs: 3000 }, { channel: CHANNELS.payments }); // delivers, then times out
    const run = await sweep(day(0));
    expect(run.stderr).not.toMatch(/not delivered/);
    const [post, ...more] = topLevel();
    expect(more).toEqual([]);
    expect(post?.params['metadata']).toEqual({
      event_type: 'chaser_nudge',
      event_payload: { key: expect.stringMatching(/^\d+\/payments\/nudge$/), team: 'payments', campaign: '' },
    });
    expect(s.slack.calls('conversations.history').some((r) => r.params['include_all_metadata'] === 'true')).toBe(true);
    const log = await s.db.sql`select consumer_id from chaser_nudge_log where message_ts = ${post?.ts ?? ''} order by consumer_id`;
    expect(log.map((r) => r['consumer_id'])).toEqual(['pay-1', 'pay-2']);
    // Recorded as delivered: the next run inside the cadence posts nothing more.
    await sweep(day(1));
    expect(topLevel()).toHaveLength(1);
  });

  it('dry-run reads the threads (read-only) and shows what a sweep would record; without a token it says the harvest was skipped', async () => {
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'done checkout-api');
    s.slack.reset();
    const preview = await s.run(['dry-run', '--now', day(1)]);
    expect(preview.code, preview.stderr).toBe(3);
    expect(preview.stdout).toContain('payments: would record done pay-1 by U0ANA00001');
    const methods = new Set(s.slack.requests.map((r) => r.method));
    expect(
      [...methods].every((m) =>
        ['auth.test', 'conversations.history', 'conversations.replies', 'reactions.get', 'usergroups.users.list', 'users.info'].includes(m),
      ),
    ).toBe(true);
    expect(await events()).toEqual([]);
    const json = JSON.parse((await s.run(['dry-run', '--now', day(3), '--json'], { env: { SLACK_BOT_TOKEN: '' } })).stdout) as {
      teams: Array<{ answers: { harvest: string } }>;
    };
    expect(json.teams[0]?.answers.harvest).toBe('skipped: no SLACK_BOT_TOKEN: only answers already recorded are used');
  });

  it('a deleted parent: the next nudge opens a new thread', async () => {
    await seed();
    await sweep(day(0));
    const first = topLevel()[0]?.ts ?? '';
    s.slack.deleteMessage(CHANNELS.payments, first);
    await sweep(day(3));
    expect(topLevel()).toHaveLength(2);
    const rows = await threadRows();
    expect(rows.map((r) => r.closed_reason)).toEqual(['parent-deleted', null]);
  });

  it('every consumer done: the parent says all done and the thread closes; new laggards open a new thread', async () => {
    await seed();
    await sweep(day(0));
    const parentTs = topLevel()[0]?.ts ?? '';
    await s.db.sql`update rotation_consumers set status = 'confirmed'`;
    const run = await s.run(['sweep', '--now', day(1), '--no-digest']);
    expect(run.code).toBe(0);
    expect(JSON.stringify(s.slack.message(CHANNELS.payments, parentTs)?.blocks)).toContain('All done');
    expect((await threadRows()).map((r) => r.closed_reason)).toEqual(['all-done']);
    await insertConsumers(s.db.sql, [
      { id: 'pay-3', name: 'ledger', owner_team: 'payments', rotation_deadline: new Date(START.getTime()) },
    ]);
    await sweep(day(2));
    expect(topLevel()).toHaveLength(2);
  });

  it('threads "off" behaves as v0.1: a new top-level message per run, no thread recorded', async () => {
    s.writeConfig({ ...baseConfig(), threads: 'off' });
    await seed();
    await sweep(day(0));
    await sweep(day(3));
    expect(topLevel()).toHaveLength(2);
    expect(s.slack.calls('conversations.history')).toHaveLength(0);
    expect(await threadRows()).toEqual([]);
  });

  it('without the read scopes: nudges still thread, the harvest is off with one warning per scope per run', async () => {
    s.slack.setScopes(DEFAULT_SCOPES);
    await seed();
    await sweep(day(0));
    const run = await sweep(day(3));
    expect(run.stderr.match(/scope channels:history not granted/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/scope reactions:read not granted/);
    expect(run.stderr).toMatch(/scope reactions:write not granted/);
    expect(topLevel()).toHaveLength(1);
    expect(s.slack.calls('conversations.history')).toHaveLength(0);
    expect(s.slack.calls('conversations.replies')).toHaveLength(0);
    s.slack.setScopes(ANSWER_READ_SCOPES);
  });
});

describe(`answers in the digest and --json (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack(),
  });

  it('each answer kind takes effect and appears in the digest; --json names the thread and what was read', async () => {
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
      { id: 'pay-3', name: 'ledger', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
    ]);
    expect((await s.run(['sweep', '--now', day(0)])).code).toBe(3);
    const parentTs = s.slack.posts().find((p) => p.channelId === CHANNELS.payments)?.ts ?? '';
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'snooze 30d checkout-api release freeze');
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'not ours refunds-worker @search');
    s.slack.reply(CHANNELS.payments, parentTs, ANA, 'eta 2026-03-17 ledger');

    const run = await s.run(['sweep', '--now', day(3), '--json']);
    expect(run.code, run.stderr).toBe(3);
    const result = JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> };
    const payments = result.teams.find((t) => t['team'] === 'payments');
    // Only ledger is nudged: checkout-api is snoozed (7 of the 30 days asked), refunds-worker disputed.
    expect(payments?.['consumers']).toEqual(['pay-3']);
    expect(payments?.['thread']).toEqual({ channel: CHANNELS.payments, ts: parentTs });
    expect((payments?.['answers'] as { read: unknown[] }).read).toEqual([
      { kind: 'snooze', consumer: 'pay-1', by: ANA, source: 'reply', until: '2026-04-11T09:00:00.000Z', detail: '30d release freeze' },
      { kind: 'not_ours', consumer: 'pay-2', by: ANA, source: 'reply', detail: 'search' },
      { kind: 'eta', consumer: 'pay-3', by: ANA, source: 'reply', until: '2026-03-17T00:00:00.000Z' },
    ]);
    expect(payments?.['answers']).toMatchObject({ harvest: 'read', answeredSinceLastNudge: true, lastAnswerAt: day(3) });

    const digest = s.slack
      .posts()
      .filter((p) => p.channelId === CHANNELS.security)
      .at(-1);
    const text = JSON.stringify(digest?.blocks);
    expect(text).toContain('💬 answered since the last nudge');
    expect(text).toContain('snooze over the limit, needs your approval: checkout-api (asked 30d)');
    expect(text).toContain('routing dispute: refunds-worker (suggested @search)');
    expect(text).toContain('eta 2026-03-17');
    // Held by the team's answers (a snooze and a dispute), named as the team's parent names them.
    expect(text).toContain('2 snoozed, claimed or disputed');
    expect(checkPostMessage(digest!.params, { allowedMentions: [] })).toEqual([]);

    // `chaser digest` reads no thread, but still says of each team's thread whether it answered
    // since its last nudge: here, the one this sweep just sent (ledger), so silent since then.
    const alone = await s.run(['digest', '--now', day(3, 1)]);
    expect(alone.code, alone.stderr).toBe(3);
    const own = s.slack
      .posts()
      .filter((p) => p.channelId === CHANNELS.security)
      .at(-1);
    expect(own).not.toBe(digest);
    expect(JSON.stringify(own?.blocks)).toContain('🔇 silent since the last nudge');
  });
});
