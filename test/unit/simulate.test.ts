import { describe, expect, it } from 'vitest';
import { resolveTeamCalendars } from '../../src/calendar/team-calendars.js';
import { validateConfig } from '../../src/config/schema.js';
import { confirmDraw, simulate } from '../../src/simulate/simulate.js';
import { consumer, DEFAULT_TEST_TIERS } from '../support/builders.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = new Date('2026-03-09T00:00:00Z'); // a Monday

function options(input: Record<string, unknown> = {}) {
  const result = validateConfig({ teams: { payments: { channel: '#payments' } }, ...input });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const { config } = result;
  return { tiers: DEFAULT_TEST_TIERS, teams: config.teams, pendingStatuses: ['pending'], calendars: resolveTeamCalendars(config) };
}

const rows = () => [consumer({ id: 'p1', team: 'payments', deadline: new Date('2026-03-06T00:00:00Z') })];

describe('simulate (pure)', () => {
  it('steps the real planner: a gentle 72h tier, then firm every working-hours day; nothing at the weekend', () => {
    const result = simulate({
      rows: rows(),
      options: options(),
      from: FROM,
      to: new Date(FROM.getTime() + 14 * DAY),
      everyMs: HOUR,
      confirmRate: 0,
    });
    expect(result.runs).toBe(14 * 24 + 1);
    const local = result.messages.map((m) => `${m.localDate} ${m.localTime} ${m.tier}`);
    // 3 days overdue on Monday 00:00Z: firm from the start, sent when the window opens at 09:00 and
    // every 24h after (less the hour of grace, which 08:00 is outside the window); urgent at 7 days.
    expect(local.slice(0, 6)).toEqual([
      '2026-03-09 09:00 firm',
      '2026-03-10 09:00 firm',
      '2026-03-11 09:00 firm',
      '2026-03-12 09:00 firm',
      '2026-03-13 09:00 urgent',
      '2026-03-16 09:00 urgent',
    ]);
    expect(result.messages.every((m) => !['Sat', 'Sun'].includes(new Date(m.postAt).toUTCString().slice(0, 3)))).toBe(true);
    // Critical (14 d, every 12h) from 2026-03-20; 12h later is 21:00, outside: still once a day.
    expect(result.perWeek['payments']).toEqual([5, 5]);
    expect(result.consumers[0]?.tiers['critical']).toEqual(new Date('2026-03-20T00:00:00Z'));
  });

  it('"schedule" posts at the opening and counts the nudge from there', () => {
    const result = simulate({
      rows: rows(),
      options: options({ calendar: { outsideHours: 'schedule' } }),
      from: FROM,
      to: new Date(FROM.getTime() + 2 * DAY),
      everyMs: DAY,
      confirmRate: 0,
    });
    expect(result.messages.map((m) => [m.runAt.toISOString(), m.postAt.toISOString(), m.scheduled])).toEqual([
      ['2026-03-09T00:00:00.000Z', '2026-03-09T09:00:00.000Z', true],
      ['2026-03-10T00:00:00.000Z', '2026-03-10T09:00:00.000Z', true],
      ['2026-03-11T00:00:00.000Z', '2026-03-11T09:00:00.000Z', true],
    ]);
  });

  it('the business clock slows the ladder: urgent comes three weekend days later', () => {
    const calendar = simulate({
      rows: rows(),
      options: options(),
      from: FROM,
      to: new Date(FROM.getTime() + 21 * DAY),
      everyMs: 6 * HOUR,
      confirmRate: 0,
    });
    const business = simulate({
      rows: rows(),
      options: options({ overdueClock: 'business' }),
      from: FROM,
      to: new Date(FROM.getTime() + 21 * DAY),
      everyMs: 6 * HOUR,
      confirmRate: 0,
    });
    expect(calendar.consumers[0]?.tiers['critical']?.toISOString()).toBe('2026-03-20T00:00:00.000Z');
    // 14 working days from Friday 2026-03-06 00:00: Thursday 2026-03-26 00:00.
    expect(business.consumers[0]?.tiers['critical']?.toISOString()).toBe('2026-03-26T00:00:00.000Z');
  });

  it('a confirm rate stops the chasing for those it picks, deterministically', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      consumer({ id: `c${i}`, team: 'payments', deadline: new Date('2026-03-06T00:00:00Z') }),
    );
    const run = () =>
      simulate({ rows: many, options: options(), from: FROM, to: new Date(FROM.getTime() + 3 * DAY), everyMs: HOUR, confirmRate: 0.5 });
    const first = run();
    const confirmed = first.consumers.filter((c) => c.confirmedAt).length;
    expect(confirmed).toBeGreaterThan(150);
    expect(confirmed).toBeLessThan(200);
    expect(run()).toEqual(first);
    expect(confirmDraw('c1', 0)).toBe(confirmDraw('c1', 0));
    const none = simulate({
      rows: many,
      options: options(),
      from: FROM,
      to: new Date(FROM.getTime() + 3 * DAY),
      everyMs: HOUR,
      confirmRate: 0,
    });
    expect(none.consumers.some((c) => c.confirmedAt)).toBe(false);
  });
});

describe('simulate: escalations and budget holds (the sweep’s own pacing)', () => {
  function paced(input: Record<string, unknown>) {
    const result = validateConfig({ teams: { payments: { channel: '#payments' } }, ...input });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { config } = result;
    return {
      options: { tiers: config.tiers, teams: config.teams, pendingStatuses: ['pending'], calendars: resolveTeamCalendars(config) },
      pacing: config,
    };
  }
  const daily = (input: Record<string, unknown>, days: number, confirmRate = 0) => {
    const { options, pacing } = paced(input);
    const from = new Date(FROM.getTime() + 9 * HOUR); // Monday 09:00 UTC, inside the window
    return simulate({ rows: rows(), options, pacing, from, to: new Date(from.getTime() + days * DAY), everyMs: DAY, confirmRate });
  };
  const firm = { name: 'firm', afterDaysOverdue: 0, every: '24h', mention: 'none' };

  it('a silent team is escalated after K ignored nudges, and the chain climbs', () => {
    const result = daily({ tiers: [{ ...firm, escalateAfterIgnored: 2, escalateTo: 'U0MANAGER1', chain: ['U0DIRECTOR'] }] }, 4);
    expect(result.escalations.map((e) => [e.runAt.toISOString(), e.step, e.target, e.ignored])).toEqual([
      ['2026-03-11T09:00:00.000Z', 1, 'user:U0MANAGER1', 2],
      ['2026-03-13T09:00:00.000Z', 2, 'user:U0DIRECTOR', 4],
    ]);
    expect(result.budgetHolds).toEqual([]);
  });

  it('a budget holds nudges back, counting the escalation, and says so per team', () => {
    const result = daily({ tiers: [{ ...firm, escalateAfterIgnored: 2, escalateTo: 'U0MANAGER1' }], maxMessagesPerTeamPerWeek: 3 }, 4);
    // Mon and Tue nudged; Wed the escalation (3 of 3) holds the nudge; Thu and Fri too.
    expect(result.messages.map((m) => m.postAt.toISOString().slice(0, 10))).toEqual(['2026-03-09', '2026-03-10']);
    expect(result.escalations).toHaveLength(1);
    expect(result.budgetHolds).toEqual([
      { team: 'payments', runs: 3, first: new Date('2026-03-11T09:00:00Z'), last: new Date('2026-03-13T09:00:00Z'), limit: 3 },
    ]);
  });

  it('nothing is escalated or held without escalation or a budget in the config', () => {
    const result = daily({ tiers: [firm] }, 4);
    expect(result.messages).toHaveLength(5);
    expect([result.escalations, result.budgetHolds]).toEqual([[], []]);
  });
});
