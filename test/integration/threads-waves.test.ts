import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Monday 2026-03-09, 09:00 UTC, inside the default window; runs at --now, never waited for. */
const START = new Date('2026-03-09T09:00:00Z');
const day = (n: number) => new Date(START.getTime() + n * DAY).toISOString();

const ANA = 'U0ANA00001';
const THREAD_SCOPES = [...DEFAULT_SCOPES, 'channels:history', 'reactions:read', 'reactions:write', 'usergroups:read'];

describe(`a team's nudge goes out once its own thread is read (${backend})`, () => {
  const config = baseConfig();
  const s = useScenario({
    slack: {
      scopes: THREAD_SCOPES,
      users: [{ id: ANA, email: 'ana@example.com' }],
      usergroups: { S0PAYONCALL: [ANA] },
      // One conversations.history call per 1.5 s: the second thread's read waits for a Retry-After.
      methodLimits: { 'conversations.history': 1 },
      rateWindowMs: 1_500,
    },
    // One thread read at a time, so the order of the reads is the order of the threads.
    config: { ...config, slack: { ...(config['slack'] as Record<string, unknown>), concurrency: 1 } },
  });

  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(START.getTime() - DAY) },
      { id: 'sea-1', name: 'indexer', owner_team: 'search', rotation_deadline: new Date(START.getTime() - DAY) },
    ]);
  const sweep = async (at: string) => {
    const run = await s.run(['sweep', '--now', at, '--no-digest']);
    expect(run.code, run.stderr).toBe(3);
    return run;
  };
  const nudgeOf = (channel: string) =>
    s.slack.requests.findIndex((r) => r.method === 'chat.postMessage' && r.params['channel'] === channel && r.status === 200);

  it("with conversations.history rate-limited, a quiet team's nudge lands before the next team's thread is read", async () => {
    await seed();
    await sweep(day(0));
    const parents = new Map(s.slack.posts().map((p) => [p.channelId, p.ts]));
    expect([...parents.keys()].sort()).toEqual([CHANNELS.payments, CHANNELS.search].sort());
    s.slack.reset();

    // Day 3: both teams are due (gentle's 72 h passed); neither answered.
    await sweep(day(3));
    const history = s.slack.requests.filter((r) => r.method === 'conversations.history');
    // The second thread's read was answered 429 first and read after its Retry-After.
    expect(history.map((r) => r.status)).toEqual([200, 429, 200]);
    const first = String(history[0]?.params['channel']);
    const second = String(history[2]?.params['channel']);
    expect([first, second].sort()).toEqual([CHANNELS.payments, CHANNELS.search].sort());
    // The first team's nudge (a reply in its thread) went out while the other's read still waited.
    const firstNudge = nudgeOf(first);
    expect(firstNudge).toBeGreaterThanOrEqual(0);
    expect(s.slack.requests[firstNudge]?.params['thread_ts']).toBe(parents.get(first));
    expect(firstNudge).toBeLessThan(s.slack.requests.indexOf(history[2]!));
    // Each team nudged once, in its thread; every parent brought up to date once, after the last nudge.
    for (const channel of [first, second]) {
      const nudges = s.slack.posts().filter((p) => p.channelId === channel);
      expect(nudges.map((p) => p.params['thread_ts'])).toEqual([parents.get(channel)]);
    }
    const updates = s.slack.requests.filter((r) => r.method === 'chat.update');
    expect(updates.map((r) => r.params['channel']).sort()).toEqual([CHANNELS.payments, CHANNELS.search].sort());
    const lastNudge = Math.max(nudgeOf(first), nudgeOf(second));
    for (const update of updates) expect(s.slack.requests.indexOf(update)).toBeGreaterThan(lastNudge);
  });

  it('a team that answered gets its "Got it" first, then its nudge, in the last wave', async () => {
    await seed();
    await sweep(day(0));
    const parents = new Map(s.slack.posts().map((p) => [p.channelId, p.ts]));
    s.slack.reply(CHANNELS.payments, parents.get(CHANNELS.payments) ?? '', ANA, 'snooze 99999d');
    s.slack.reset();

    // Day 3: the answer is refused (out of bounds), so payments is still due: "Got it" saying so, then the nudge.
    await sweep(day(3));
    const payments = s.slack.posts().filter((p) => p.channelId === CHANNELS.payments);
    expect(payments.map((p) => (String(p.text).startsWith('Got it') ? 'got it' : 'nudge'))).toEqual(['got it', 'nudge']);
    expect(payments.map((p) => p.params['thread_ts'])).toEqual([parents.get(CHANNELS.payments), parents.get(CHANNELS.payments)]);
    // search, quiet, is nudged once too.
    expect(s.slack.posts().filter((p) => p.channelId === CHANNELS.search)).toHaveLength(1);
    expect(await s.db.sql`select team, count(*)::int as n from chaser_nudge_log group by team order by team`).toEqual([
      { team: 'payments', n: 2 },
      { team: 'search', n: 2 },
    ]);
  });
});
