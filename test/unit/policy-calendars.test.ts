import { describe, expect, it } from 'vitest';
import { resolveTeamCalendars } from '../../src/calendar/team-calendars.js';
import { validateConfig } from '../../src/config/schema.js';
import { planSweep } from '../../src/policy/plan.js';
import { consumer, DEFAULT_TEST_TIERS } from '../support/builders.js';

function calendarsOf(input: unknown) {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return resolveTeamCalendars(result.config);
}

const teams = { payments: { channel: '#payments' }, search: { channel: '#search' } };
// Monday 2026-03-09, 09:00Z. The deadline: the Friday before last, 09:00Z = 10 calendar days, 6 working days.
const NOW = new Date('2026-03-09T09:00:00Z');
const DEADLINE = new Date('2026-02-27T09:00:00Z');

function plan(input: Record<string, unknown>, now = NOW) {
  const calendars = calendarsOf({ teams, ...input });
  return planSweep(
    [consumer({ id: 'p1', team: 'payments', deadline: DEADLINE, now }), consumer({ id: 's1', team: 'search', deadline: DEADLINE, now })],
    { tiers: DEFAULT_TEST_TIERS, teams, pendingStatuses: ['pending'], calendars },
    now,
  );
}

describe('the plan with team calendars', () => {
  it('the business clock counts working days for the tier and days overdue', () => {
    const calendar = plan({});
    expect(calendar.summaries.map((s) => [s.team, s.worstTier.name, s.maxDaysOverdue])).toEqual([
      ['payments', 'urgent', 10],
      ['search', 'urgent', 10],
    ]);
    const business = plan({ overdueClock: 'business' });
    expect(business.summaries.map((s) => [s.team, s.worstTier.name, s.maxDaysOverdue])).toEqual([
      ['payments', 'firm', 6],
      ['search', 'firm', 6],
    ]);
    // A team that works seven days a week counts every day again.
    const allWeek = plan({
      overdueClock: 'business',
      teams: { ...teams, search: { channel: '#search', workdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } },
    });
    expect(allWeek.summaries.map((s) => [s.team, s.worstTier.name, s.maxDaysOverdue])).toEqual([
      ['search', 'urgent', 10],
      ['payments', 'firm', 6],
    ]);
  });

  it('each team plan says whether its window lets it send, hold or schedule', () => {
    const result = plan({
      teams: {
        payments: { channel: '#payments', timezone: 'America/Los_Angeles' },
        search: { channel: '#search', timezone: 'Asia/Kolkata', outsideHours: 'schedule' },
      },
    });
    const sending = Object.fromEntries(result.teams.map((t) => [t.team, t.sending]));
    // 09:00Z is 01:00 in Los Angeles (waits for 09:00 PDT = 16:00Z) and 14:30 in Kolkata (open).
    expect(sending['payments']).toEqual({ mode: 'hold', reason: 'outside-hours', opensAt: new Date('2026-03-09T16:00:00Z') });
    expect(sending['search']).toEqual({ mode: 'send' });
    const evening = plan(
      { teams: { ...teams, search: { channel: '#search', timezone: 'Asia/Kolkata', outsideHours: 'schedule' } } },
      new Date('2026-03-09T13:00:00Z'),
    );
    // 18:30 IST: closed; schedules at Tuesday 09:00 IST = 03:30Z.
    expect(evening.teams.find((t) => t.team === 'search')?.sending).toEqual({ mode: 'schedule', postAt: new Date('2026-03-10T03:30:00Z') });
  });
});
