import type { CalendarSettings, Config, OverdueClockMode } from '../config/types.js';
import { clockMinutes, WEEKDAY_NAMES, type OutsideHours } from '../config/calendar-schema.js';
import { addBusinessMs, businessMsBetween, type Calendar, windowAt } from './calendar.js';
import { holidaysOf } from '../config/holidays.js';

/**
 * From the config's calendar settings to the calendars the policy reads: one per distinct
 * setting (teams that share the defaults share one Calendar, and so one holiday cache).
 */

/** How the ladder measures time: from one instant to another, and forward from one. */
export interface OverdueClock {
  elapsedMs(from: Date, to: Date): number;
  /** The instant when `ms` of this clock's time will have passed since `from`. */
  after(from: Date, ms: number): Date;
}

export const CALENDAR_CLOCK: OverdueClock = {
  elapsedMs: (from, to) => to.getTime() - from.getTime(),
  after: (from, ms) => new Date(from.getTime() + ms),
};

export function businessClock(calendar: Calendar): OverdueClock {
  return {
    elapsedMs: (from, to) => businessMsBetween(calendar, from, to),
    after: (from, ms) => addBusinessMs(calendar, from, ms),
  };
}

/** What one team's nudge does in this run, given its window. */
export type Sending = { mode: 'send' } | { mode: 'hold'; reason: 'outside-hours'; opensAt: Date } | { mode: 'schedule'; postAt: Date };

/** Slack refuses a scheduled message more than 120 days ahead (time_too_far). */
export const SCHEDULE_MAX_AHEAD_MS = 120 * 24 * 3_600_000;

/** Pure: inside the window a nudge is sent; outside it, what outsideHours says. */
export function decideSending(calendar: Calendar, outsideHours: OutsideHours, now: Date): Sending {
  const state = windowAt(calendar, now);
  if (state.open || outsideHours === 'send') return { mode: 'send' };
  if (outsideHours === 'schedule' && state.opensAt.getTime() - now.getTime() <= SCHEDULE_MAX_AHEAD_MS) {
    return { mode: 'schedule', postAt: state.opensAt };
  }
  return { mode: 'hold', reason: 'outside-hours', opensAt: state.opensAt };
}

export function toCalendar(settings: CalendarSettings): Calendar {
  return {
    timezone: settings.timezone,
    workdays: new Set(settings.workdays.map((day) => WEEKDAY_NAMES.indexOf(day) + 1)),
    startMinute: clockMinutes(settings.hours.start),
    endMinute: clockMinutes(settings.hours.end),
    holidays: holidaysOf(settings.holidays),
  };
}

export interface TeamCalendars {
  settingsFor(team: string): CalendarSettings;
  calendarFor(team: string): Calendar;
  clockFor(team: string): OverdueClock;
  sendingFor(team: string, now: Date): Sending;
}

export function resolveTeamCalendars(config: Pick<Config, 'calendar' | 'teams' | 'overdueClock'>): TeamCalendars {
  const byKey = new Map<string, { settings: CalendarSettings; calendar: Calendar; clock: OverdueClock }>();
  const teamEntry = new Map<string, { settings: CalendarSettings; calendar: Calendar; clock: OverdueClock }>();
  const mode: OverdueClockMode = config.overdueClock;

  function entryFor(team: string) {
    let entry = teamEntry.get(team);
    if (entry !== undefined) return entry;
    // Own-property lookup: a team called "__proto__" or "constructor" has no route, not Object's.
    const own = Object.hasOwn(config.teams, team) ? config.teams[team]?.calendar : undefined;
    const settings: CalendarSettings = { ...config.calendar, ...own };
    const key = JSON.stringify(settings);
    entry = byKey.get(key);
    if (entry === undefined) {
      const calendar = toCalendar(settings);
      entry = { settings, calendar, clock: mode === 'business' ? businessClock(calendar) : CALENDAR_CLOCK };
      byKey.set(key, entry);
    }
    teamEntry.set(team, entry);
    return entry;
  }

  return {
    settingsFor: (team) => entryFor(team).settings,
    calendarFor: (team) => entryFor(team).calendar,
    clockFor: (team) => entryFor(team).clock,
    sendingFor: (team, now) => {
      const entry = entryFor(team);
      return decideSending(entry.calendar, entry.settings.outsideHours, now);
    },
  };
}
