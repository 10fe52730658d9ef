import { localDate, localTime, windowAt } from '../calendar/calendar.js';
import { resolveTeamCalendars } from '../calendar/team-calendars.js';
import type { Config } from '../config/types.js';
import { formatExactInstant as formatInstant } from '../policy/time.js';
import { pass, type Check } from './checks.js';

/** Teams listed one by one; more would drown the other checks. */
const TEAMS_LISTED = 25;

/**
 * One line per team: when its sending window is open next, in its own zone and in UTC, so an
 * operator sees before turning chaser on that Sydney's nudges will not go out at 3 a.m. Pure:
 * `now` is passed in.
 */
export function checkCalendars(config: Pick<Config, 'calendar' | 'teams' | 'overdueClock'>, now: Date): Check[] {
  const calendars = resolveTeamCalendars(config);
  const teams = Object.keys(config.teams).sort();
  const checks = teams.slice(0, TEAMS_LISTED).map((team) => {
    const settings = calendars.settingsFor(team);
    const calendar = calendars.calendarFor(team);
    const state = windowAt(calendar, now);
    const when = state.open
      ? `open now, until ${localTime(calendar, state.closesAt)} ${settings.timezone}`
      : `next opening ${localDate(calendar, state.opensAt)} ${localTime(calendar, state.opensAt)} ${settings.timezone} (${formatInstant(state.opensAt)})`;
    return pass('config', `window ${team}`, `${when}; outside hours: ${settings.outsideHours}`);
  });
  if (teams.length > TEAMS_LISTED) checks.push(pass('config', 'windows', `… and ${teams.length - TEAMS_LISTED} more team(s)`));
  return checks;
}
