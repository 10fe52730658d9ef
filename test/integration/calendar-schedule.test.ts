import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** outsideHours "schedule": a once-a-day job posts with chat.scheduleMessage at each team's opening. */

const MONDAY = new Date('2026-03-09T00:00:00Z');
const DEADLINE = new Date('2026-03-01T00:00:00Z');
const at = (iso: string) => new Date(iso);

describe(`outsideHours "schedule" (${backend})`, () => {
  const s = useScenario({ slack: { scopes: [...DEFAULT_SCOPES, 'channels:history'] } });

  async function sweep(now: Date) {
    s.slack.setClock(now);
    const run = await s.run(['sweep', '--no-digest', '--now', now.toISOString(), '--json']);
    expect([0, 3], run.stderr).toContain(run.code);
    return JSON.parse(run.stdout) as { teams: Array<{ team: string; delivered: boolean; scheduled?: { postAt: string } }> };
  }

  const rows = () =>
    s.db.sql<{ team: string; status: string; post_at: Date; message_ts: string | null; scheduled_message_id: string }[]>`
      select team, status, post_at, message_ts, scheduled_message_id from chaser_scheduled_nudges order by post_at, team`;

  it("daily runs: scheduled at the opening; a confirmed consumer's nudge deleted, a sent one reconciled; next day scheduled again", async () => {
    s.writeConfig({
      ...baseConfig(),
      teams: {
        payments: { channel: CHANNELS.payments, timezone: 'Europe/Berlin' },
        search: { channel: CHANNELS.search, timezone: 'America/Los_Angeles' },
      },
      calendar: { outsideHours: 'schedule' },
      tiers: [{ name: 'daily', afterDaysOverdue: 0, every: '24h' }],
    });
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: DEADLINE },
      { id: 'search-1', owner_team: 'search', rotation_deadline: DEADLINE },
    ]);

    // Monday 00:00Z, the daily job: nobody's window is open; each team's nudge is scheduled at its 09:00.
    const monday = await sweep(MONDAY);
    expect(monday.teams.map((t) => [t.team, t.delivered, t.scheduled?.postAt])).toEqual(
      [
        ['payments', true, '2026-03-09T08:00:00.000Z'],
        ['search', true, '2026-03-09T16:00:00.000Z'],
      ].sort(),
    );
    expect(s.slack.posts()).toEqual([]);
    const requests = s.slack.calls('chat.scheduleMessage');
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(request.params).not.toHaveProperty('metadata');
    expect((await rows()).map((r) => [r.team, r.status, r.post_at.toISOString()])).toEqual([
      ['payments', 'scheduled', '2026-03-09T08:00:00.000Z'],
      ['search', 'scheduled', '2026-03-09T16:00:00.000Z'],
    ]);
    // Counted as nudges from post_at.
    const state = await s.db.sql<
      { consumer_id: string; last_nudged_at: Date }[]
    >`select consumer_id, last_nudged_at from chaser_nudge_state order by consumer_id`;
    expect(state.map((r) => [r.consumer_id, r.last_nudged_at.toISOString()])).toEqual([
      ['pay-1', '2026-03-09T08:00:00.000Z'],
      ['search-1', '2026-03-09T16:00:00.000Z'],
    ]);

    // Search confirms; Slack posts payments' message at 08:00Z.
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'search-1'`;
    const [posted] = s.slack.deliverScheduled(at('2026-03-09T08:00:00Z'));

    // A run at 12:00Z reconciles: payments' was sent (its real ts recorded), search's is deleted (4 h ahead).
    s.slack.reset();
    const noon = await sweep(at('2026-03-09T12:00:00Z'));
    expect(noon.teams).toEqual([]); // payments was nudged at 08:00Z: not due again yet
    expect(s.slack.calls('chat.deleteScheduledMessage')).toHaveLength(1);
    expect(s.slack.scheduled()).toEqual([]);
    expect((await rows()).map((r) => [r.team, r.status, r.message_ts])).toEqual([
      ['payments', 'sent', posted?.ts],
      ['search', 'deleted', null],
    ]);

    // Tuesday 00:00Z: payments is scheduled again for its 09:00 (24h after the last delivery).
    s.slack.reset();
    const tuesday = await sweep(at('2026-03-10T00:00:00Z'));
    expect(tuesday.teams.map((t) => [t.team, t.scheduled?.postAt])).toEqual([['payments', '2026-03-10T08:00:00.000Z']]);

    // Payments confirms 5 minutes before its time: too close to delete (Slack would post it anyway), so it is left.
    await s.db.sql`update rotation_consumers set status = 'confirmed' where id = 'pay-1'`;
    s.slack.reset();
    await sweep(at('2026-03-10T07:55:00Z'));
    expect(s.slack.calls('chat.deleteScheduledMessage')).toHaveLength(0);
    expect(s.slack.scheduled().map((m) => m.postAt)).toEqual([Date.parse('2026-03-10T08:00:00Z') / 1000]);
  }, 120_000);
});
