import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import type { Config } from '../../src/config/types.js';
import { resolveTeamCalendars } from '../../src/calendar/team-calendars.js';
import { nextOpening } from '../../src/calendar/calendar.js';

function configOf(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

function errorsOf(input: unknown): string[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.errors;
}

const route = (extra: Record<string, unknown>) => ({ teams: { payments: { channel: '#payments', ...extra } } });

describe('calendar keys in the config', () => {
  it('accepts a team calendar and keeps only what the team set; the rest follows `calendar`', () => {
    const config = configOf({
      calendar: { timezone: 'Europe/Berlin', holidays: ['DE-BE'] },
      teams: {
        payments: { channel: '#payments', timezone: 'Asia/Kolkata', hours: { start: '10:00', end: '18:30' }, outsideHours: 'schedule' },
        search: { channel: '#search' },
      },
      overdueClock: 'business',
      digest: { channel: '#leads', at: '08:30', timezone: 'Europe/Berlin' },
    });
    expect(config.teams['payments']?.calendar).toEqual({
      timezone: 'Asia/Kolkata',
      hours: { start: '10:00', end: '18:30' },
      outsideHours: 'schedule',
    });
    expect(config.teams['search']?.calendar).toBeUndefined();
    expect(config.calendar).toMatchObject({
      timezone: 'Europe/Berlin',
      holidays: ['DE-BE'],
      workdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    });
    expect(config.overdueClock).toBe('business');
    expect(config.digestAt).toEqual({ at: '08:30', timezone: 'Europe/Berlin' });
    expect(config.digest).toEqual({ channel: '#leads' });
    const calendars = resolveTeamCalendars(config);
    expect(calendars.settingsFor('payments')).toMatchObject({ timezone: 'Asia/Kolkata', holidays: ['DE-BE'] });
    expect(calendars.settingsFor('unknown-team').timezone).toBe('Europe/Berlin');
    // 10:00 IST on Monday 2026-03-02 = 04:30Z.
    expect(nextOpening(calendars.calendarFor('payments'), new Date('2026-03-01T12:00:00Z'))).toEqual(new Date('2026-03-02T04:30:00Z'));
  });

  it('refuses an unknown time zone, with its path', () => {
    expect(errorsOf(route({ timezone: 'Mars/Olympus' }))).toEqual([
      'teams.payments.timezone: expected an IANA time zone like "Europe/Berlin", "America/Los_Angeles" or "UTC", got "Mars/Olympus" (offsets like "+02:00" and abbreviations like "CET" are not zones)',
    ]);
    expect(errorsOf({ calendar: { timezone: '+02:00' } })[0]).toMatch(/^calendar\.timezone: expected an IANA time zone/);
    expect(errorsOf({ digest: { channel: '#x', at: '8:30', timezone: 'Europe/Berlinn' } })).toEqual([
      'digest.at: expected a local time like "08:30" (24-hour, HH:MM), got "8:30"',
      expect.stringMatching(/^digest\.timezone: expected an IANA time zone/),
    ]);
  });

  it('refuses an unknown country or region, naming what is known', () => {
    expect(errorsOf(route({ holidays: ['XX'] }))).toEqual([
      'teams.payments.holidays[0]: no public-holiday rules for country "XX" (ISO 3166-1 alpha-2, like "DE" or "US")',
    ]);
    const [line] = errorsOf(route({ holidays: ['2026-12-24', 'DE-ZZ'] }));
    expect(line).toMatch(/^teams\.payments\.holidays\[1\]: DE has no state "ZZ"; known: BB, BE, BW/);
    expect(errorsOf(route({ holidays: ['2026-02-30'] }))).toEqual([
      'teams.payments.holidays[0]: "2026-02-30" is not a date on the calendar',
    ]);
    expect(errorsOf(route({ holidays: ['christmas'] }))[0]).toMatch(
      /^teams\.payments\.holidays\[0\]: expected a date like "2026-12-24" or a country\/region code/,
    );
  });

  it('refuses an empty workweek, a repeated or unknown day, and a window of no length', () => {
    expect(errorsOf({ calendar: { workdays: [] } })).toEqual([
      'calendar.workdays: expected at least one workday: an empty workweek never opens and never counts a business day',
    ]);
    expect(errorsOf(route({ workdays: ['mon', 'mon', 'funday'] }))).toEqual(
      [
        expect.stringMatching(/^teams\.payments\.workdays\[2\]: expected a weekday/),
        'teams.payments.workdays[1]: "mon" is listed twice',
      ].sort(),
    );
    expect(errorsOf(route({ hours: { start: '09:00', end: '09:00' } }))).toEqual([
      'teams.payments.hours.end: the window opens and closes at 09:00; for all day write "00:00" to "24:00"',
    ]);
    expect(errorsOf(route({ hours: { start: '25:00', end: '17:00' } }))[0]).toMatch(
      /^teams\.payments\.hours\.start: expected a local time/,
    );
  });

  it('accepts a window crossing midnight and an all-day window', () => {
    expect(configOf(route({ hours: { start: '22:00', end: '06:00' } })).teams['payments']?.calendar?.hours).toEqual({
      start: '22:00',
      end: '06:00',
    });
    expect(configOf(route({ hours: { start: '00:00', end: '24:00' } })).teams['payments']?.calendar?.hours?.end).toBe('24:00');
  });

  it('refuses an unknown outsideHours or overdueClock', () => {
    expect(errorsOf({ calendar: { outsideHours: 'later' }, overdueClock: 'lunar' }).sort()).toEqual([
      'calendar.outsideHours: expected "wait", "schedule" or "send", got "later"',
      'overdueClock: expected "calendar" or "business", got "lunar"',
    ]);
  });
});
