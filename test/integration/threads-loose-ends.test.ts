import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { ANA, answeringSlack, baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Monday 2026-03-09; the default window is Mon–Fri 09:00–17:00 UTC. */
const MONDAY = new Date('2026-03-09T09:00:00Z');
const at = (iso: string) => new Date(iso);

describe(`living threads: scheduled nudges and fallback reroutes (${backend})`, () => {
  const s = useScenario({
    slack: answeringSlack(),
  });
  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(MONDAY.getTime() - DAY) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(MONDAY.getTime() - DAY) },
    ]);
  const sweep = async (now: Date) => {
    s.slack.setClock(now);
    const run = await s.run(['sweep', '--no-digest', '--now', now.toISOString(), '--json']);
    expect([0, 3], run.stderr).toContain(run.code);
    return JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> };
  };
  const events = () =>
    s.db.sql<{ consumer_id: string | null; kind: string; source: string; actor: string; message_ts: string }[]>`
      select consumer_id, kind, source, actor, message_ts from chaser_ack_events order by id`;

  it('a reaction on a scheduled nudge, once Slack posted it, is read as an answer for the consumers it listed', async () => {
    s.writeConfig({
      ...baseConfig(),
      calendar: { outsideHours: 'schedule' },
      tiers: [{ name: 'daily', afterDaysOverdue: 0, every: '24h' }],
    });
    await seed();
    await sweep(MONDAY); // inside the window: the thread's parent
    await sweep(at('2026-03-10T00:00:00Z')); // outside: a plain scheduled message for 09:00
    const [posted] = s.slack.deliverScheduled(at('2026-03-10T09:00:00Z'));
    expect(posted).toBeDefined();
    s.slack.react(CHANNELS.payments, posted!.ts, ANA, 'white_check_mark');

    const noon = await sweep(at('2026-03-10T12:00:00Z')); // reconciles the sent one, then harvests
    expect(noon.teams).toEqual([]);
    expect(await events()).toEqual([
      { consumer_id: 'pay-1', kind: 'done', source: 'reaction', actor: ANA, message_ts: posted!.ts },
      { consumer_id: 'pay-2', kind: 'done', source: 'reaction', actor: ANA, message_ts: posted!.ts },
    ]);
    // Never asked about the log's placeholder ts.
    expect(s.slack.calls('reactions.get').map((c) => c.params['timestamp'])).not.toContainEqual(expect.stringMatching(/^scheduled:/));
  });

  it("after a fallback reroute the team's thread moves back to its own channel once that channel takes the post", async () => {
    s.writeConfig({ ...baseConfig(), fallbackChannel: CHANNELS.fallback });
    await seed();
    const threads = () =>
      s.db.sql<{ channel: string; closed_reason: string | null; in_fallback: boolean }[]>`
        select channel, closed_reason, in_fallback from chaser_threads order by id`;
    const payments = s.slack.channel(CHANNELS.payments)!;
    payments.isArchived = true;
    await sweep(MONDAY);
    const fallbackParent = s.slack.posts().find((p) => p.channelId === CHANNELS.fallback && p.params['thread_ts'] === undefined);
    expect(fallbackParent).toBeDefined();
    expect(await threads()).toEqual([{ channel: CHANNELS.fallback, closed_reason: null, in_fallback: true }]);

    // Still archived three days later: the nudge is a reply in the fallback thread, not a second parent there.
    await sweep(new Date(MONDAY.getTime() + 3 * DAY));
    const inFallback = s.slack.posts().filter((p) => p.channelId === CHANNELS.fallback);
    expect(inFallback.filter((p) => p.params['thread_ts'] === undefined)).toHaveLength(1);
    expect(inFallback.filter((p) => p.params['thread_ts'] === fallbackParent?.ts).length).toBeGreaterThanOrEqual(1);
    expect(await threads()).toHaveLength(1);

    // The channel is back: a new thread opens there, linking the old one, which is closed as rerouted.
    payments.isArchived = false;
    await sweep(new Date(MONDAY.getTime() + 7 * DAY)); // the next Monday (the weekend holds nudges)
    const own = s.slack.posts().filter((p) => p.channelId === CHANNELS.payments && p.params['thread_ts'] === undefined);
    expect(own).toHaveLength(1);
    expect(JSON.stringify(own[0]?.blocks)).toContain('the previous thread');
    expect(await threads()).toEqual([
      { channel: CHANNELS.fallback, closed_reason: 'rerouted', in_fallback: true },
      { channel: CHANNELS.payments, closed_reason: null, in_fallback: false },
    ]);
  });
});
