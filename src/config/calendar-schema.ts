import { z } from 'zod';
import { HOLIDAY_DATE, REGION_CODE, unknownRegion } from './holidays.js';
import { expected, show } from './issues.js';

/**
 * The calendar keys a team (or `calendar`, the defaults for every team) may set: when its
 * sending window is open and which days count as working days. Shared by both places, so a
 * team's override and the default are validated by one set of rules.
 */

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];
export const OUTSIDE_HOURS_MODES = ['wait', 'schedule', 'send'] as const;
export type OutsideHours = (typeof OUTSIDE_HOURS_MODES)[number];

export const DEFAULT_CALENDAR = Object.freeze({
  timezone: 'UTC',
  workdays: Object.freeze(['mon', 'tue', 'wed', 'thu', 'fri'] as WeekdayName[]),
  hours: Object.freeze({ start: '09:00', end: '17:00' }),
  holidays: Object.freeze([] as string[]),
  outsideHours: 'wait',
});

/** An IANA zone the runtime knows ("Europe/Berlin", "Asia/Kolkata", "UTC"); offsets and abbreviations are not zones. */
export function isKnownTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const zoneError = expected(
  'an IANA time zone like "Europe/Berlin", "America/Los_Angeles" or "UTC"',
  'offsets like "+02:00" and abbreviations like "CET" are not zones',
);

export const timezone = z
  .string({ error: zoneError })
  .refine(isKnownTimeZone, { error: zoneError })
  .describe('IANA time zone of the team ("Europe/Berlin"): its hours, workdays and holidays are local to it.');

export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockError = expected('a local time like "09:00" (24-hour, HH:MM)');
const clockTime = z.string({ error: clockError }).regex(CLOCK_TIME, { error: clockError });
const endError = expected('a local time like "17:00" (24-hour, HH:MM; "24:00" for midnight)');

/** "09:30" → 570. "24:00" → 1440 (only as an end). */
export function clockMinutes(text: string): number {
  const [hours = '0', minutes = '0'] = text.split(':');
  return Number(hours) * 60 + Number(minutes);
}

const hours = z
  .strictObject(
    {
      start: clockTime.describe('When the window opens, local time ("09:00").'),
      end: z
        .string({ error: endError })
        .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: endError })
        .describe('When it closes, local time ("17:00"). Earlier than start: the window crosses midnight ("22:00" to "06:00").'),
    },
    { error: expected('a window like { "start": "09:00", "end": "17:00" }') },
  )
  .superRefine((value, ctx) => {
    if (typeof value?.start !== 'string' || typeof value.end !== 'string') return;
    if (clockMinutes(value.start) === clockMinutes(value.end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `the window opens and closes at ${value.start}; for all day write "00:00" to "24:00"`,
      });
    }
  })
  .describe('Working hours, local time: nudges go out only inside them (see outsideHours).');

const workdayError = expected(`a weekday, one of ${WEEKDAY_NAMES.map((d) => `"${d}"`).join(', ')}`);

const workdays = z
  .array(z.enum(WEEKDAY_NAMES, { error: workdayError }), { error: expected('a list of weekdays like ["mon", "tue", "wed", "thu", "fri"]') })
  .min(1, { error: 'expected at least one workday: an empty workweek never opens and never counts a business day' })
  .superRefine(
    (list, ctx) => {
      if (!Array.isArray(list)) return;
      const seen = new Set<unknown>();
      list.forEach((day: unknown, index) => {
        if (typeof day === 'string' && seen.has(day))
          ctx.addIssue({ code: 'custom', path: [index], message: `${show(day)} is listed twice` });
        seen.add(day);
      });
    },
    { when: () => true },
  )
  .describe('Working days (default Monday to Friday).');

const holidayError = expected('a date like "2026-12-24" or a country/region code like "DE", "DE-BE" or "US-CA"');

function validDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

const holiday = z.string({ error: holidayError }).superRefine((text, ctx) => {
  if (HOLIDAY_DATE.test(text)) {
    if (!validDate(text)) ctx.addIssue({ code: 'custom', message: `${show(text)} is not a date on the calendar` });
    return;
  }
  if (!REGION_CODE.test(text)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a date like "2026-12-24" or a country/region code like "DE", "DE-BE" or "US-CA", got ${show(text)}`,
    });
    return;
  }
  const problem = unknownRegion(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

const holidays = z
  .array(holiday, { error: expected('a list of dates and/or region codes like ["DE-BE", "2026-12-24"]') })
  .describe(
    'Days off: dates ("2026-12-24") and/or country/region codes ("DE", "DE-BE", "US-CA") whose public holidays apply (from the date-holidays rules). ' +
      "A team's list replaces the default list.",
  );

const outsideHours = z
  .enum(OUTSIDE_HOURS_MODES, { error: expected('"wait", "schedule" or "send"') })
  .describe(
    'A nudge (or an escalation about the team) due outside the window: "wait" (default) for a run inside it (schedule chaser hourly); ' +
      '"schedule": chat.scheduleMessage at the next opening (for a once-a-day job); "send": at once, as v0.1.',
  );

/** The calendar keys, each optional: a team inherits what it does not set from `calendar`. */
export const calendarFields = {
  timezone: timezone.optional(),
  workdays: workdays.optional(),
  hours: hours.optional(),
  holidays: holidays.optional(),
  outsideHours: outsideHours.optional(),
};

export const calendarDefaults = z
  .strictObject(calendarFields, {
    error: expected('an object like { "timezone": "Europe/Berlin", "hours": { "start": "09:00", "end": "17:00" } }'),
  })
  .optional()
  .describe(
    'Defaults of every team\'s calendar (a team overrides any of these keys): UTC, Monday to Friday, 09:00 to 17:00, no holidays, "wait".',
  );

export const overdueClock = z
  .enum(['calendar', 'business'], { error: expected('"calendar" or "business"') })
  .default('calendar')
  .describe(
    'How the ladder counts: "calendar" (every day); "business": days overdue and each tier\'s "every" count only the team\'s working days ' +
      '(a 24h tier nudges once per working day).',
  );

const digestAtError = expected('a local time like "08:30" (24-hour, HH:MM)');

export const digestTiming = {
  at: z
    .string({ error: digestAtError })
    .regex(CLOCK_TIME, { error: digestAtError })
    .optional()
    .describe(
      'Send the digest once a day, on the first run at or after this local time (digest.timezone); without it, every run sends one.',
    ),
  timezone: timezone.optional().describe('IANA zone of digest.at (default UTC).'),
};
