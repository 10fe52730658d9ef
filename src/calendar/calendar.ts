import { Temporal } from 'temporal-polyfill';
import { DAY_MS } from '../config/duration.js';

/**
 * A team's working calendar, and the two things chaser asks of it: is the sending window open
 * (and when does it next open), and how much working time lies between two instants. Pure: every
 * function takes the instants it needs; none reads the clock. Wall-clock arithmetic (time zones,
 * DST, half-hour offsets) goes through Temporal, never through hand-made offsets.
 */

import type { HolidaysOfYear } from '../config/holidays.js';

export type { HolidaysOfYear };

export interface Calendar {
  /** IANA zone, validated by the config. */
  timezone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday (Temporal's dayOfWeek); never empty (the config refuses an empty workweek). */
  workdays: ReadonlySet<number>;
  /** Minutes after local midnight when the window opens. */
  startMinute: number;
  /**
   * Minutes after local midnight when it closes. Not after startMinute: the window crosses
   * midnight and closes on the next day (22:00–06:00). A window belongs to the day it opens on:
   * a Friday 22:00–06:00 window is open into Saturday morning, and none opens on Saturday.
   */
  endMinute: number;
  holidays: HolidaysOfYear;
}

export const NO_HOLIDAYS: HolidaysOfYear = () => EMPTY;
const EMPTY: ReadonlySet<string> = new Set();

/** Beyond this, a calendar that never opens (every day a holiday) is a configuration error, not a loop. */
const MAX_DAYS_SEARCHED = 3_660;

function zoned(calendar: Calendar, at: Date): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(calendar.timezone);
}

/** A working day: one of the workdays and not a holiday. Windows open and business time runs only on these. */
export function isWorkingDay(calendar: Calendar, date: Temporal.PlainDate): boolean {
  return calendar.workdays.has(date.dayOfWeek) && !calendar.holidays(date.year).has(date.toString());
}

function startOfDayMs(calendar: Calendar, date: Temporal.PlainDate): number {
  return date.toZonedDateTime({ timeZone: calendar.timezone }).epochMilliseconds;
}

/**
 * The instant of a local wall time. A time that does not exist (skipped by a DST change) is moved
 * forward by the gap, a time that exists twice is the first: Temporal's "compatible", the same
 * choice calendar apps make, so 02:30 on a spring-forward night opens at 03:30.
 */
function wallTimeMs(calendar: Calendar, date: Temporal.PlainDate, minute: number): number {
  const days = Math.floor(minute / (24 * 60));
  const within = minute - days * 24 * 60;
  const day = days === 0 ? date : date.add({ days });
  return day
    .toPlainDateTime({ hour: Math.floor(within / 60), minute: within % 60 })
    .toZonedDateTime(calendar.timezone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** The window that opens on `date` as [opensMs, closesMs), or null when no window opens that day. */
function windowOn(calendar: Calendar, date: Temporal.PlainDate): { opensMs: number; closesMs: number } | null {
  if (!isWorkingDay(calendar, date)) return null;
  const crosses = calendar.endMinute <= calendar.startMinute;
  const opensMs = wallTimeMs(calendar, date, calendar.startMinute);
  const closesMs = wallTimeMs(calendar, date, calendar.endMinute + (crosses ? 24 * 60 : 0));
  // A window that a DST change shrinks to nothing (opens and closes inside the same gap) does not open.
  return closesMs > opensMs ? { opensMs, closesMs } : null;
}

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date };

/**
 * Whether the sending window is open at `now` (opening instant included, closing excluded), and
 * when it closes, or else when it next opens.
 */
export function windowAt(calendar: Calendar, now: Date): WindowState {
  const nowMs = now.getTime();
  const today = zoned(calendar, now).toPlainDate();
  // Yesterday's window may still be open past midnight.
  for (let offset = -1; offset <= MAX_DAYS_SEARCHED; offset += 1) {
    const window = windowOn(calendar, offset === 0 ? today : today.add({ days: offset }));
    if (window === null || window.closesMs <= nowMs) continue;
    if (window.opensMs <= nowMs) return { open: true, closesAt: new Date(window.closesMs) };
    return { open: false, opensAt: new Date(window.opensMs) };
  }
  throw new Error(`calendar ${calendar.timezone}: no working day within ${MAX_DAYS_SEARCHED} days`);
}

export function isOpen(calendar: Calendar, now: Date): boolean {
  return windowAt(calendar, now).open;
}

/** The earliest instant at or after `now` when the window is open: `now` itself when it is open. */
export function nextOpening(calendar: Calendar, now: Date): Date {
  const state = windowAt(calendar, now);
  return state.open ? now : state.opensAt;
}

/** The local date of an instant in the calendar's zone, as "YYYY-MM-DD". */
export function localDate(calendar: Calendar, at: Date): string {
  return zoned(calendar, at).toPlainDate().toString();
}

/** "09:00" local time of an instant, for people. */
export function localTime(calendar: Calendar, at: Date): string {
  const z = zoned(calendar, at);
  return `${String(z.hour).padStart(2, '0')}:${String(z.minute).padStart(2, '0')}`;
}

// ---- business time -------------------------------------------------------------------------

/**
 * Business time counts only working days, each as exactly 24 hours however long it is on the
 * wall clock: a working day of 23 or 25 hours (a DST change) still counts as one day, and an hour
 * of it as 1/23 or 1/25 of a day. So "3 days overdue" means three working days, and a "24h"
 * cadence means once per working day, in every zone and across every DST change.
 */
interface DayPosition {
  date: Temporal.PlainDate;
  /** How far into its local day the instant is, 0 ≤ fraction < 1. */
  fraction: number;
}

function position(calendar: Calendar, atMs: number): DayPosition {
  const date = Temporal.Instant.fromEpochMilliseconds(atMs).toZonedDateTimeISO(calendar.timezone).toPlainDate();
  const startMs = startOfDayMs(calendar, date);
  const endMs = startOfDayMs(calendar, date.add({ days: 1 }));
  return { date, fraction: (atMs - startMs) / (endMs - startMs) };
}

/** Working days in [from, to) (local dates, from ≤ to), holidays taken out. */
export function workingDaysBetween(calendar: Calendar, from: Temporal.PlainDate, to: Temporal.PlainDate): number {
  const days = from.until(to, { largestUnit: 'days' }).days;
  if (days <= 0) return 0;
  const weeks = Math.floor(days / 7);
  let count = weeks * calendar.workdays.size;
  // The days left over after whole weeks, each checked for its weekday.
  for (let i = 0; i < days - weeks * 7; i += 1) {
    const weekday = ((from.dayOfWeek - 1 + i) % 7) + 1;
    if (calendar.workdays.has(weekday)) count += 1;
  }
  const fromText = from.toString();
  const toText = to.toString();
  for (let year = from.year; year <= to.year; year += 1) {
    for (const holiday of calendar.holidays(year)) {
      // ISO dates compare as text.
      if (holiday < fromText || holiday >= toText) continue;
      if (calendar.workdays.has(Temporal.PlainDate.from(holiday).dayOfWeek)) count -= 1;
    }
  }
  return count;
}

/** Business milliseconds from `from` to `to` (negative when `to` is earlier). */
export function businessMsBetween(calendar: Calendar, from: Date, to: Date): number {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs < fromMs) return -businessMsBetween(calendar, to, from);
  const a = position(calendar, fromMs);
  const b = position(calendar, toMs);
  if (Temporal.PlainDate.compare(a.date, b.date) === 0) {
    return isWorkingDay(calendar, a.date) ? Math.round((b.fraction - a.fraction) * DAY_MS) : 0;
  }
  const head = isWorkingDay(calendar, a.date) ? (1 - a.fraction) * DAY_MS : 0;
  const tail = isWorkingDay(calendar, b.date) ? b.fraction * DAY_MS : 0;
  // Whole milliseconds: fractions of a day are not exact in floating point.
  return Math.round(head + tail) + workingDaysBetween(calendar, a.date.add({ days: 1 }), b.date) * DAY_MS;
}

/** The instant when `ms` of business time (≥ 0) will have passed since `from`. */
export function addBusinessMs(calendar: Calendar, from: Date, ms: number): Date {
  let { date, fraction } = position(calendar, from.getTime());
  let remaining = ms;
  for (let step = 0; step <= MAX_DAYS_SEARCHED + Math.ceil(ms / DAY_MS) * 7; step += 1) {
    if (isWorkingDay(calendar, date)) {
      const left = (1 - fraction) * DAY_MS;
      if (remaining < left || (remaining === 0 && left > 0)) {
        const startMs = startOfDayMs(calendar, date);
        const lengthMs = startOfDayMs(calendar, date.add({ days: 1 })) - startMs;
        return new Date(startMs + Math.round((fraction + remaining / DAY_MS) * lengthMs));
      }
      remaining -= left;
    }
    date = date.add({ days: 1 });
    fraction = 0;
  }
  throw new Error(`calendar ${calendar.timezone}: no working day within ${MAX_DAYS_SEARCHED} days`);
}

/**
 * The latest instant at or before `now` when the local clock in `timezone` read `minute`
 * (minutes after midnight): today's when it has passed, else yesterday's. A time skipped by DST
 * counts at the end of the gap. For "once a day at 08:30": a run is due when no digest was sent
 * since this instant.
 */
export function latestDailySlot(timezone: string, minute: number, now: Date): Date {
  const calendar: Calendar = { timezone, workdays: new Set(), startMinute: 0, endMinute: 0, holidays: NO_HOLIDAYS };
  const today = zoned(calendar, now).toPlainDate();
  const slot = wallTimeMs(calendar, today, minute);
  return new Date(slot <= now.getTime() ? slot : wallTimeMs(calendar, today.add({ days: -1 }), minute));
}
