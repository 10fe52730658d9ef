import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';
import { HOUR_MS as HOUR } from '../support/clock.js';

/**
 * The sending window over simulated days: the CLI runs with --now stepped hour by hour, as an
 * hourly cron would, against Postgres and the fake Slack.
 */

// Friday 2026-03-13 00:00Z to Monday 03-16 23:00Z: two working days around a weekend, hour by
// hour (96 runs of the CLI; `simulate`'s test covers whole weeks in one process). US already on
// daylight time since Sunday 03-08, Europe not yet.
const FRIDAY = new Date('2026-03-13T00:00:00Z');
const HOURS = 4 * 24;
const DEADLINE = new Date('2026-03-01T00:00:00Z');

const calendarTeams = {
  payments: { channel: CHANNELS.payments, timezone: 'Europe/Berlin' },
  search: { channel: CHANNELS.search, timezone: 'America/Los_Angeles' },
  identity: { channel: CHANNELS.identity, timezone: 'Asia/Kolkata', hours: { start: '09:30', end: '18:00' } },
};

const localParts = (zone: string, at: Date) => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    weekday: get('weekday'),
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
    date: at.toLocaleDateString('en-CA', { timeZone: zone }),
  };
};

describe(`sending window (${backend})`, () => {
  const s = useScenario();

  it('hourly runs in "wait" from Friday to Monday: each team nudged once per working day, inside its hours; one digest a day at digest.at', async () => {
    s.writeConfig({
      ...baseConfig(),
      teams: calendarTeams,
      digest: { channel: CHANNELS.security, at: '08:30', timezone: 'Europe/Berlin' },
      // One tier, nudging every 24h: without the window a run every hour would nudge at any hour, weekends too.
      tiers: [{ name: 'daily', afterDaysOverdue: 0, every: '24h' }],
    });
    await insertConsumers(s.db.sql, [
      { id: 'pay-1', owner_team: 'payments', rotation_deadline: DEADLINE },
      { id: 'search-1', owner_team: 'search', rotation_deadline: DEADLINE },
      { id: 'id-1', owner_team: 'identity', rotation_deadline: DEADLINE },
    ]);
    const sentAt = new Map<string, Date[]>();
    const teamOf = new Map<string, string>(Object.entries(CHANNELS).map(([name, id]): [string, string] => [id, name]));
    for (let hour = 0; hour < HOURS; hour += 1) {
      const now = new Date(FRIDAY.getTime() + hour * HOUR);
      s.slack.reset();
      const run = await s.run(['sweep', '--now', now.toISOString(), '--json']);
      expect(run.code, run.stderr).toBe(3);
      for (const post of s.slack.posts()) {
        const team = teamOf.get(post.channelId) ?? post.channelId;
        sentAt.set(team, [...(sentAt.get(team) ?? []), now]);
      }
      // A team outside its window is reported as held, with when it opens.
      const result = JSON.parse(run.stdout) as {
        teams: Array<{ team: string; delivered: boolean; held?: { reason: string; until: string } }>;
      };
      for (const team of result.teams) {
        if (!team.delivered) expect(team.held?.reason, `${team.team} at ${now.toISOString()}`).toBe('outside-hours');
      }
    }
    // The digest: on the very first run (none sent yet), then on the first run at or after 08:30
    // Berlin (07:30Z, so the 08:00Z run) each day, weekends included: 5 digests in 96 runs.
    expect((sentAt.get('security') ?? []).map((d) => d.toISOString())).toEqual([
      '2026-03-13T00:00:00.000Z',
      '2026-03-13T08:00:00.000Z',
      '2026-03-14T08:00:00.000Z',
      '2026-03-15T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
    ]);
    const windows = { payments: [9 * 60, 17 * 60], search: [9 * 60, 17 * 60], identity: [9 * 60 + 30, 18 * 60] } as const;
    for (const [team, zone] of [
      ['payments', 'Europe/Berlin'],
      ['search', 'America/Los_Angeles'],
      ['identity', 'Asia/Kolkata'],
    ] as const) {
      const local = (sentAt.get(team) ?? []).map((at) => localParts(zone, at));
      // Once per working day, never at the weekend…
      expect(
        local.map((l) => l.weekday),
        team,
      ).toEqual(['Fri', 'Mon']);
      expect(new Set(local.map((l) => l.date)).size, team).toBe(2);
      // …and each inside the team's own hours.
      const [open, close] = windows[team];
      for (const l of local) expect(l.minutes >= open && l.minutes < close, `${team} ${l.date} ${l.minutes}`).toBe(true);
    }
  }, 600_000);
});
