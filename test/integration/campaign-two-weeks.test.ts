import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DAY_MS } from '../support/clock.js';
import { nudgeCounts, stateLogMismatches } from '../support/chaser-state.js';
import { startSlackGate } from '../support/slack-gate.js';
import { ANA, ANSWER_READ_SCOPES, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/**
 * Issue 10's "done when": one campaign played over two simulated weeks, run by run, through the
 * compiled CLI against real PostgreSQL and the fake Slack. Four teams answer in every way the
 * grammar and the reactions allow (and a bot and an outsider try to); the test asserts the rows
 * chaser keeps, what Slack received, exit codes and stdout.
 *
 * Day 0 is Monday 2026-03-09. Runs at 09:30, 13:00 and 16:30 UTC every day (the calendar's
 * workdays cover the week, so every run is inside working hours); --now advances, nothing waits.
 */
const START = Date.parse('2026-03-09T00:00:00Z');
const at = (day: number, hhmm = '09:30') => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(START + day * DAY_MS + (h ?? 0) * 3_600_000 + (m ?? 0) * 60_000).toISOString();
};
const DEADLINE = new Date(START - DAY_MS);
const PLATFORM = 'C0PLATFORM1';

const BEN = 'U0BEN00001'; // a person outside that group
const CARL = 'U0CARL0001'; // search (no user group: any person answers)
const DANA = 'U0DANA0001'; // identity
const ERIK = 'U0ERIK0001'; // platform
const WORKFLOW = 'U0WORKFLOW'; // another app's bot user

const ALL_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function campaignConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = baseConfig();
  return {
    ...base,
    teams: { ...(base['teams'] as Record<string, unknown>), platform: { channel: PLATFORM } },
    // A loaded machine (the whole suite on 2 cores) must not turn a slow answer into a failed run.
    slack: { ...(base['slack'] as Record<string, unknown>), timeoutMs: 10_000 },
    calendar: { workdays: ALL_WEEK },
    // Ends at 09:00 two days on, so a claim read at 13:00 comes due with the 09:30 nudges.
    answers: { claimGrace: '44h' },
    ...extra,
  };
}

const REAL_PG = backend === 'postgres';
const NAME = 'a two-week campaign, played run by run (real PostgreSQL)';

describe.skipIf(!REAL_PG)(REAL_PG ? NAME : `${NAME} (skipped: set TEST_DATABASE_URL to a real PostgreSQL)`, () => {
  const s = useScenario({
    slack: {
      ...answeringSlack(
        { id: BEN, email: 'ben@example.com' },
        { id: CARL, email: 'carl@example.com' },
        { id: DANA, email: 'dana@example.com' },
        { id: ERIK, email: 'erik@example.com' },
        { id: WORKFLOW, email: 'workflow@example.com', isBot: true },
      ),
      channels: [...Object.entries(CHANNELS).map(([name, id]) => ({ id, name })), { id: PLATFORM, name: 'platform' }],
    },
    config: campaignConfig(),
  });

  const CONSUMERS = ['id-1', 'id-2', 'pay-1', 'pay-2', 'pay-3', 'plat-1', 'search-1', 'search-2'];
  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: DEADLINE },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: DEADLINE },
      { id: 'pay-3', name: 'ledger', owner_team: 'payments', rotation_deadline: DEADLINE },
      { id: 'search-1', name: 'indexer', owner_team: 'search', rotation_deadline: DEADLINE },
      { id: 'search-2', name: 'crawler', owner_team: 'search', rotation_deadline: DEADLINE },
      { id: 'id-1', name: 'sso-bridge', owner_team: 'identity', rotation_deadline: DEADLINE },
      { id: 'id-2', name: 'token-minter', owner_team: 'identity', rotation_deadline: DEADLINE },
      { id: 'plat-1', name: 'dns-sync', owner_team: 'platform', rotation_deadline: DEADLINE },
    ]);

  /** Per sweep: the Slack methods it called and how often, and how many threads were open before it. */
  const tally: Array<{ when: string; open: number; calls: Record<string, number> }> = [];
  const sweep = async (when: string, expected = 3) => {
    const before = s.slack.requests.length;
    const [open] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from chaser_threads where closed_at is null`;
    const run = await s.run(['sweep', '--now', when]);
    expect(run.code, `sweep ${when}: ${run.stderr}`).toBe(expected);
    const calls: Record<string, number> = {};
    for (const r of s.slack.requests.slice(before)) calls[r.method] = (calls[r.method] ?? 0) + 1;
    tally.push({ when, open: open?.n ?? 0, calls });
    return run;
  };
  /** The last digest posted (the first sweep of a day sends one: digest.every is 24h). */
  const lastDigest = () =>
    JSON.stringify(
      s.slack
        .posts()
        .filter((p) => p.channelId === CHANNELS.security)
        .at(-1)?.blocks,
    );
  const digest = async (when: string) => {
    const run = await s.run(['digest', '--now', when]);
    expect(run.code, `digest ${when}: ${run.stderr}`).toBe(3);
    return lastDigest();
  };
  const channelOf: Record<string, string> = { ...CHANNELS, platform: PLATFORM };
  const posts = (team: string) => s.slack.posts().filter((p) => p.channelId === channelOf[team]);
  const parents = (team: string) => posts(team).filter((p) => p.params['thread_ts'] === undefined);
  const repliesIn = (team: string, parentTs: string) => posts(team).filter((p) => p.params['thread_ts'] === parentTs);
  const events = () =>
    s.db.sql<{ consumer_id: string | null; team: string; kind: string; source: string; actor: string; detail: string | null }[]>`
      select consumer_id, team, kind, source, actor, detail from chaser_ack_events order by team, id`;
  const threads = () =>
    s.db.sql<{ team: string; parent_ts: string; closed_reason: string | null; permalink: string | null }[]>`
      select team, parent_ts, closed_reason, permalink from chaser_threads order by team, id`;

  const TEAMS = ['identity', 'payments', 'platform', 'search'] as const;
  const RUNS = ['09:30', '13:00', '16:30'];
  /** Every run of days `from`..`to` (inclusive), after `from`'s run at `fromRun` if given. */
  const play = async (from: number, to: number, fromRun = '00:00') => {
    for (let day = from; day <= to; day++) for (const hhmm of RUNS) if (day > from || hhmm >= fromRun) await sweep(at(day, hhmm));
  };
  const latestNudge = (team: string, parentTs: string) =>
    repliesIn(team, parentTs)
      .filter((p) => !String(p.text).startsWith('Got it'))
      .at(-1);

  const gotIt = (team: string) => posts(team).filter((p) => String(p.text).startsWith('Got it'));

  it('one thread per team, every kind of answer, a re-run and a kill: fourteen days', async () => {
    tally.length = 0;
    await seed();
    // Day 0, 09:30: every team's first nudge opens its thread.
    const opening = await sweep(at(0, '09:30'));
    expect(opening.stdout).toContain('nudged 4 team(s), 8 consumer(s): identity, payments, platform, search');
    const first = Object.fromEntries(TEAMS.map((t) => [t, parents(t)[0]?.ts ?? '']));
    expect(TEAMS.map((t) => parents(t).length)).toEqual([1, 1, 1, 1]);
    expect((await threads()).map((t) => [t.team, t.closed_reason])).toEqual(TEAMS.map((t) => [t, null]));

    // Late morning: people (and a bot) answer.
    s.slack.reply(CHANNELS.payments, first.payments!, ANA, 'done checkout-api');
    s.slack.reply(CHANNELS.payments, first.payments!, BEN, 'done'); // not in the on-call group
    s.slack.reply(CHANNELS.payments, first.payments!, WORKFLOW, 'done'); // a bot
    s.slack.react(CHANNELS.payments, first.payments!, WORKFLOW, 'white_check_mark'); // a bot
    s.slack.reply(CHANNELS.search, first.search!, CARL, 'snooze 30d indexer release freeze');
    s.slack.reply(CHANNELS.search, first.search!, CARL, 'not ours crawler @identity');
    s.slack.react(CHANNELS.identity, first.identity!, DANA, 'zzz');
    s.slack.react(PLATFORM, first.platform!, ERIK, 'no_entry_sign');
    await sweep(at(0, '13:00'));
    const day0 = [
      { consumer_id: 'id-1', team: 'identity', kind: 'snooze', source: 'reaction', actor: DANA, detail: null },
      { consumer_id: 'id-2', team: 'identity', kind: 'snooze', source: 'reaction', actor: DANA, detail: null },
      { consumer_id: 'pay-1', team: 'payments', kind: 'done', source: 'reply', actor: ANA, detail: null },
      { consumer_id: null, team: 'payments', kind: 'refused', source: 'reply', actor: BEN, detail: 'not-allowed' },
      { consumer_id: 'plat-1', team: 'platform', kind: 'not_ours', source: 'reaction', actor: ERIK, detail: null },
      { consumer_id: 'search-1', team: 'search', kind: 'snooze', source: 'reply', actor: CARL, detail: '30d release freeze' },
      { consumer_id: 'search-2', team: 'search', kind: 'not_ours', source: 'reply', actor: CARL, detail: 'identity' },
    ];
    expect(await events()).toEqual(day0);
    // One "Got it" per team, in its thread; 👀 on each answer read, none on the bot's.
    expect(TEAMS.map((t) => gotIt(t).map((p) => p.params['thread_ts']))).toEqual(TEAMS.map((t) => [first[t]]));
    expect(JSON.stringify(gotIt('payments')[0]?.blocks)).toContain("<@U0BEN00001>'s answer was not counted");
    expect(JSON.stringify(gotIt('search')[0]?.blocks)).toContain('the rest needs the security lead');
    const eyes = s.slack
      .messages(CHANNELS.payments)
      .filter((m) => m.reactions.get('eyes')?.includes('U0FAKEBOT1'))
      .map((m) => m.user);
    expect(eyes).toEqual([ANA]);

    // The same run again: nothing recorded or posted twice.
    const postsBefore = s.slack.posts().length;
    await sweep(at(0, '13:00'));
    expect(await events()).toEqual(day0);
    expect(s.slack.posts()).toHaveLength(postsBefore);

    await play(0, 0, '16:30');
    // Day 1, 09:30: the first sweep of the day sends the lead the digest: who answered, and what.
    await sweep(at(1, '09:30'));
    let digestText = lastDigest();
    expect(digestText).toContain('💬 answered since the last nudge · claimed done (checking): checkout-api');
    expect(digestText).toContain(
      '⏳ snooze over the limit, needs your approval: indexer (asked 30d) · 🙅 routing dispute: crawler (suggested @identity)',
    );
    expect(digestText).toContain('🙅 routing dispute: dns-sync');
    s.slack.reply(CHANNELS.payments, first.payments!, ANA, 'eta 2026-03-20 ledger');
    await play(1, 1, '13:00');

    // Day 2, 09:30: firm, and checkout-api's claim ran out still pending: one tier higher, said so, broadcast.
    await sweep(at(2, '09:30'));
    const escalated = latestNudge('payments', first.payments!);
    expect(escalated?.params['reply_broadcast']).toBe('true');
    expect(JSON.stringify(escalated?.blocks)).toContain('claimed done by <@U0ANA00001> on 2026-03-09, still pending in the inventory');
    expect(await s.db.sql`select consumer_id, last_tier from chaser_nudge_state where consumer_id like 'pay-%' order by 1`).toEqual([
      { consumer_id: 'pay-1', last_tier: 'urgent' },
      { consumer_id: 'pay-2', last_tier: 'firm' },
      { consumer_id: 'pay-3', last_tier: 'firm' },
    ]);
    // The parent, brought up to date with the nudge, shows the eta to anyone opening the channel.
    const paymentsParent = JSON.stringify(s.slack.message(CHANNELS.payments, first.payments!)?.blocks);
    expect(paymentsParent).toContain('*ledger*: eta 2026-03-20 (<@U0ANA00001>)');
    expect(paymentsParent).toContain('Status as of 2026-03-11 09:30 UTC');
    await play(2, 3, '13:00');
    digestText = lastDigest(); // day 3's, from its 09:30 sweep
    expect(digestText).toContain('🔇 silent since the last nudge · ⚠️ claimed, still pending: checkout-api · eta 2026-03-20');
    // The digest command reports the same answers from what the sweeps recorded.
    digestText = await digest(at(3, '17:00'));
    expect(digestText).toContain('⚠️ claimed, still pending: checkout-api · eta 2026-03-20');
    expect(digestText).toContain('⏳ snooze over the limit, needs your approval: indexer (asked 30d)');
    expect(digestText).toContain('🙅 routing dispute: dns-sync');

    // Day 4: someone deletes search's parent. Its next nudge (when the 7-day snooze ends) opens a new thread.
    s.slack.deleteMessage(CHANNELS.search, first.search!);
    await play(4, 4);
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-2'`;
    await play(5, 7);
    expect(parents('search')).toHaveLength(2);
    const searchParent = parents('search')[1]!;
    const searchSays = JSON.stringify(searchParent.blocks);
    expect(searchSays).toContain('• *indexer* — key');
    expect(searchSays).not.toContain('• *crawler*'); // disputed: not nudged here, and the parent says why
    expect(searchSays).toContain('*crawler*: marked not ours by <@U0CARL0001>, suggested owner @identity: not nudged here');
    // Both snoozes (indexer asked 30d by reply, identity 💤) were honoured for maxSnooze, 7 days from
    // the run that read them (day 0, 13:00): nudged again at the first run after, not before.
    const nudgedAt = await s.db.sql<{ consumer_id: string; as_of: Date }[]>`
      select l.consumer_id, r.as_of from chaser_nudge_log l join chaser_runs r on r.id = l.run_id
      where l.consumer_id in ('search-1', 'id-1') order by 1, 2`;
    expect(nudgedAt.map((r) => [r.consumer_id, r.as_of.toISOString()])).toEqual([
      ['id-1', at(0, '09:30')],
      ['id-1', at(7, '13:00')],
      ['search-1', at(0, '09:30')],
      ['search-1', at(7, '13:00')],
    ]);
    // Identity's snooze is over: nudged again in its thread.
    const identityNudge = latestNudge('identity', first.identity!);
    expect(identityNudge?.params['reply_broadcast']).toBe('true');
    // ✅ on that reply claims both consumers it listed; a bot's ✅ on search's new parent counts for nothing.
    s.slack.react(CHANNELS.identity, identityNudge?.ts ?? '', DANA, 'white_check_mark');
    s.slack.react(CHANNELS.search, searchParent.ts, WORKFLOW, 'white_check_mark');
    await play(8, 8);
    expect((await events()).filter((e) => e.team === 'search')).toEqual(day0.filter((e) => e.team === 'search'));
    expect((await events()).filter((e) => e.team === 'identity').slice(2)).toEqual([
      { consumer_id: 'id-1', team: 'identity', kind: 'done', source: 'reaction', actor: DANA, detail: null },
      { consumer_id: 'id-2', team: 'identity', kind: 'done', source: 'reaction', actor: DANA, detail: null },
    ]);
    // Day 9: the inventory confirms identity's claims: its parent says all done, its thread closes.
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id in ('id-1', 'id-2')`;
    await play(9, 9);
    expect(JSON.stringify(s.slack.message(CHANNELS.identity, first.identity!)?.blocks)).toContain('All done');
    expect((await threads()).filter((t) => t.team === 'identity').map((t) => t.closed_reason)).toEqual(['all-done']);

    // Day 10, 09:30: an answer is read, then the run is killed while its "Got it" is in flight.
    s.slack.reply(CHANNELS.payments, first.payments!, ANA, 'done ledger');
    const gate = await startSlackGate(s.slack.url);
    try {
      gate.hold('chat.postMessage');
      const killed = s.start(['sweep', '--now', at(10, '09:30'), '--no-digest'], { env: { SLACK_API_URL: gate.url } });
      await gate.whenHeld();
      killed.child.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
    } finally {
      await gate.close();
    }
    const afterKill = await events();
    expect(afterKill.filter((e) => e.team === 'payments').at(-1)).toEqual({
      consumer_id: 'pay-3',
      team: 'payments',
      kind: 'done',
      source: 'reply',
      actor: ANA,
      detail: null,
    });
    await sweep(at(10, '09:30')); // the same run again, whole this time
    expect(await events()).toEqual(afterKill);
    // The confirmation the kill cut off is posted once more (the bound for any post); the nudge once.
    expect(gotIt('payments').filter((p) => String(p.text).includes('*ledger* claimed done'))).toHaveLength(2);
    expect(posts('payments').filter((p) => String(p.text).includes('worst: 11 days overdue'))).toHaveLength(1);
    await play(10, 10, '13:00');
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-3'`;
    await play(11, 13);

    // Day 14, 09:30: payments' thread is 14 days old: a new parent replaces it and links the old one.
    await sweep(at(14, '09:30'));
    expect(parents('payments')).toHaveLength(2);
    const oldLink = `https://fake-workspace.slack.com/archives/${CHANNELS.payments}/p${first.payments!.replace('.', '')}`;
    expect(JSON.stringify(parents('payments')[1]?.blocks)).toContain(oldLink);

    // Day 14, 13:00: the inventory says everything is done: every open parent says so, every thread closes.
    await s.db.sql`update rotation_consumers set status = 'confirmed' where status = 'pending'`;
    const last = await sweep(at(14, '13:00'), 0);
    expect(last.stdout).toContain('nothing outstanding');
    expect((await threads()).map((t) => [t.team, t.closed_reason])).toEqual([
      ['identity', 'all-done'],
      ['payments', 'expired'],
      ['payments', 'all-done'],
      ['platform', 'all-done'],
      ['search', 'parent-deleted'],
      ['search', 'all-done'],
    ]);
    for (const [team, parent] of [
      ['payments', parents('payments')[1]],
      ['platform', parents('platform')[0]],
      ['search', parents('search')[1]],
    ] as const)
      expect(JSON.stringify(s.slack.message(channelOf[team]!, parent?.ts ?? '')?.blocks), team).toContain('All done');

    // One thread per team at a time: every chaser post in a team's channel is a parent or a reply in
    // the thread open then; the parents were kept current by chat.update, never re-posted.
    const parentTs = new Set(TEAMS.flatMap((t) => parents(t).map((p) => p.ts)));
    expect(TEAMS.map((t) => parents(t).length)).toEqual([1, 2, 1, 2]);
    for (const t of TEAMS) for (const p of posts(t)) expect(parentTs.has(p.ts) || parentTs.has(String(p.params['thread_ts']))).toBe(true);
    const updated = s.slack.calls('chat.update').map((c) => String(c.params['ts']));
    const nudgeReplies = TEAMS.flatMap((t) => posts(t).filter((p) => p.params['thread_ts'] && !String(p.text).startsWith('Got it')));
    expect(updated.length).toBeGreaterThanOrEqual(nudgeReplies.length); // each reply's parent brought up to date
    expect(updated.every((ts) => parentTs.has(ts))).toBe(true);
    // Quiet replies, broadcast only when the team's tier rose: payments gentle → urgent (the unverified
    // claim) on day 2, → critical on day 6; search urgent → critical on day 13; identity gentle → urgent.
    const flags = (team: string, parent: string) =>
      repliesIn(team, parent)
        .filter((p) => !String(p.text).startsWith('Got it'))
        .map((p) => p.params['reply_broadcast'] ?? 'quiet');
    expect(flags('payments', first.payments!)).toEqual(['true', 'quiet', 'quiet', 'quiet', 'true', ...Array<string>(7).fill('quiet')]);
    expect(flags('search', searchParent.ts)).toEqual(['quiet', 'quiet', 'quiet', 'quiet', 'quiet', 'true', 'quiet']);
    expect(flags('identity', first.identity!)).toEqual(['true']);
    expect(repliesIn('platform', first.platform!).map((p) => String(p.text).slice(0, 7))).toEqual(['Got it:']);

    // Nothing recorded twice, across the re-runs and the kill.
    expect(await stateLogMismatches(s.db.sql)).toEqual([]);
    expect(await s.db.sql`select consumer_id, nudged_at from chaser_nudge_log group by 1, 2 having count(*) > 1`).toEqual([]);
    expect(await s.db.sql`select message_ts, consumer_id, kind from chaser_ack_events group by 1, 2, 3 having count(*) > 1`).toEqual([]);
    const logged = await s.db.sql<{ message_ts: string }[]>`select distinct message_ts from chaser_nudge_log`;
    const delivered = new Set(s.slack.posts().map((p) => p.ts));
    expect(logged.every((r) => delivered.has(r.message_ts))).toBe(true);
    // What the harvest cost (README "Rate limits"): at most one history page per open thread per
    // run, and at most 3 reads of a thread (page, replies, reactions.get on chaser's latest reply).
    for (const { when, open, calls } of tally) {
      const reads = (calls['conversations.history'] ?? 0) + (calls['conversations.replies'] ?? 0) + (calls['reactions.get'] ?? 0);
      expect(calls['conversations.history'] ?? 0, when).toBeLessThanOrEqual(open);
      expect(reads, when).toBeLessThanOrEqual(3 * open);
    }
  }, 480_000);

  it('threads "off" behaves as v0.1 over the same days: a new top-level message per nudge, nothing read back', async () => {
    s.writeConfig(campaignConfig({ threads: 'off' }));
    await seed();
    await sweep(at(0, '09:30'));
    const firstPost = parents('payments')[0]!;
    s.slack.reply(CHANNELS.payments, firstPost.ts, ANA, 'done checkout-api'); // no thread to read: changes nothing
    s.slack.react(CHANNELS.payments, firstPost.ts, ANA, 'white_check_mark');
    await play(0, 3, '13:00');
    // Nudged on day 0 (gentle), day 2 (firm: the tier rose) and day 3 (firm's 24h): three messages, none a reply.
    for (const team of TEAMS) {
      expect(
        posts(team).map((p) => p.params['thread_ts'] ?? 'top-level'),
        team,
      ).toEqual(['top-level', 'top-level', 'top-level']);
    }
    for (const method of ['chat.update', 'conversations.history', 'conversations.replies', 'reactions.get', 'reactions.add'])
      expect(s.slack.calls(method), method).toHaveLength(0);
    expect(await threads()).toEqual([]);
    expect(await events()).toEqual([]);
    expect(await nudgeCounts(s.db.sql)).toEqual(Object.fromEntries(CONSUMERS.map((id) => [id, 3])));
  }, 180_000);

  it('every read scope missing in turn: only its feature is off, with one warning per run', async () => {
    // What a run reads after the teams answered, per missing scope (README "Scopes").
    const done = (consumer: string, team: string, source: string, actor: string) => ({
      consumer_id: consumer,
      team,
      kind: 'done',
      source,
      actor,
    });
    const ana = done('pay-1', 'payments', 'reply', ANA);
    const ben = { consumer_id: null, team: 'payments', kind: 'refused', source: 'reply', actor: BEN };
    const carl = done('search-1', 'search', 'reaction', CARL);
    const cases: Array<{ missing: string | null; read: unknown[]; eyes: boolean; warnings: number }> = [
      { missing: null, read: [ana, ben, carl], eyes: true, warnings: 0 },
      // No history: no parent page, no replies; reactions.get still reads chaser's latest reply.
      { missing: 'channels:history', read: [carl], eyes: true, warnings: 1 },
      // Public channels only: nothing changes, nothing to warn about.
      { missing: 'groups:history', read: [ana, ben, carl], eyes: true, warnings: 0 },
      // The ✅ on chaser's reply (already read, so no replies page brings it) is not seen; replies are.
      { missing: 'reactions:read', read: [ana, ben], eyes: true, warnings: 1 },
      { missing: 'reactions:write', read: [ana, ben, carl], eyes: false, warnings: 1 },
      // The group's members cannot be read: any person answers, Ben included.
      { missing: 'usergroups:read', read: [ana, { ...ben, kind: 'eta', consumer_id: 'pay-2' }, carl], eyes: true, warnings: 1 },
      // Without users:read a bot's reaction cannot be told from a person's, so a reaction counts only
      // from someone known to be a person (group member, listed, or a replier): neither the bot nor Carl.
      { missing: 'users:read', read: [ana, ben], eyes: true, warnings: 1 },
    ];
    const seen: typeof cases = [];
    for (const { missing } of cases) {
      await s.db.reset();
      s.slack.reset();
      s.slack.setScopes(ANSWER_READ_SCOPES.filter((scope) => scope !== missing));
      await insertConsumers(s.db.sql, [
        { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: DEADLINE },
        { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: DEADLINE },
        { id: 'search-1', name: 'indexer', owner_team: 'search', rotation_deadline: DEADLINE },
      ]);
      await sweep(at(0, '09:30')); // opens the threads
      await sweep(at(2, '09:30')); // firm: a reply in each
      await sweep(at(2, '13:00')); // reads chaser's own replies: the cursors move past them
      const payments = parents('payments')[0]!.ts;
      const search = parents('search')[0]!.ts;
      s.slack.reply(CHANNELS.payments, payments, ANA, 'done checkout-api');
      s.slack.reply(CHANNELS.payments, payments, BEN, 'eta 2026-03-20 refunds-worker');
      s.slack.react(CHANNELS.search, latestNudge('search', search)?.ts ?? '', CARL, 'white_check_mark');
      s.slack.react(CHANNELS.search, search, WORKFLOW, 'no_entry_sign'); // a bot: never counts
      const run = await sweep(at(2, '13:00'));
      expect(
        TEAMS.map((t) => parents(t).length),
        `${missing}: nudges still thread`,
      ).toEqual([0, 1, 0, 1]);
      // doctor says which feature is off and the scope that turns it on.
      const doctor = await s.run(['doctor']);
      const off = doctor.stdout.split('\n').filter((line) => line.includes('off: grant'));
      expect(
        off.map((line) => /off: grant (\S+)/.exec(line)?.[1]),
        `${missing}: ${doctor.stdout}`,
      ).toEqual(missing ? [missing] : []);
      seen.push({
        missing,
        read: (await events()).map(({ detail: _detail, ...e }) => e),
        eyes: s.slack.calls('reactions.add').length > 0,
        warnings: run.stderr.split('\n').filter((line) => line.includes(`scope ${missing} not granted`)).length,
      });
    }
    s.slack.setScopes(ANSWER_READ_SCOPES);
    expect(seen).toEqual(cases);
  }, 300_000);
});
