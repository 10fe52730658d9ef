/** Pure date helpers: every one takes the instants it compares, none reads the clock. */

import { DAY_MS } from '../config/duration.js';

/**
 * Postgres' `infinity` as an instant: the latest a Date can hold (year 275760). A snooze until
 * FOREVER never ends; a deadline of FOREVER is never reached. Kept as milliseconds: Dates are mutable.
 */
export const FOREVER_MS = 8.64e15;
/** Postgres' `-infinity`: the earliest a Date can hold. */
export const FAR_PAST_MS = -8.64e15;

/** Whether an instant is Postgres' `infinity` (see FOREVER_MS). */
export function isForever(instant: Date): boolean {
  return instant.getTime() === FOREVER_MS;
}

/**
 * Whole days from `deadline` to `now`, rounded down: 0 on the first day past the deadline,
 * negative before it. Rounded down (not to nearest) so "8 days overdue" in a message never
 * claims a day that has not fully passed.
 */
export function daysOverdue(deadline: Date, now: Date): number {
  return Math.floor((now.getTime() - deadline.getTime()) / DAY_MS);
}

/** A Date that holds an instant: `new Date('garbage')` and Postgres `infinity` both fail this. */
export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/**
 * An instant for humans, in UTC and without noise: `2026-03-09 10:00Z`, with seconds and
 * milliseconds only when they are not zero so two close instants never print alike.
 */
export function formatExactInstant(instant: Date): string {
  if (!isValidDate(instant)) return 'an invalid date';
  if (isForever(instant)) return 'forever';
  const iso = instant.toISOString(); // 2026-03-09T10:00:00.000Z
  const day = iso.slice(0, 10);
  const minutes = iso.slice(11, 16);
  const seconds = iso.slice(17, 19);
  const millis = iso.slice(20, 23);
  if (millis !== '000') return `${day} ${minutes}:${seconds}.${millis}Z`;
  if (seconds !== '00') return `${day} ${minutes}:${seconds}Z`;
  return `${day} ${minutes}Z`;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `--now`: an ISO-8601 instant with its zone (`2026-12-06T09:00Z`, `…T10:00+01:00`), or a date
 * alone, read as UTC midnight. A time without a zone would be read in whatever zone the machine
 * runs in (a laptop and a CronJob disagree by hours), so it is refused with the fix, as is a
 * date that does not exist (`2026-02-30` would silently become 2 March).
 */
export function parseInstant(value: string): { ok: true; instant: Date } | { ok: false; message: string } {
  const m = ISO_INSTANT.exec(value.trim());
  if (!m)
    return { ok: false, message: 'expected an ISO-8601 instant like 2026-03-10T09:00:00Z, or a date like 2026-03-10 (UTC midnight).' };
  const [, year, month, day, hour, minute, second, zone] = m;
  if (hour !== undefined && zone === undefined) {
    return {
      ok: false,
      message: `a time needs its zone, or it would be read in this machine's: write ${value}Z for UTC, or add an offset (${value}+01:00).`,
    };
  }
  const instant = new Date(hour === undefined ? `${value.trim()}T00:00:00Z` : value.trim());
  const sameDate = (d: Date) =>
    d.getUTCFullYear() === Number(year) && d.getUTCMonth() + 1 === Number(month) && d.getUTCDate() === Number(day);
  // The written date and time must exist: checked on the wall clock as written, before the offset.
  const wall = new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)),
  );
  if (!isValidDate(instant) || !sameDate(wall) || Number(hour ?? 0) > 23 || Number(minute ?? 0) > 59 || Number(second ?? 0) > 59) {
    return { ok: false, message: `${value} is not a real date and time.` };
  }
  return { ok: true, instant };
}

/** How far a writing command's `--now` may run ahead of the database's clock (clocks of two hosts differ a little). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A writing command's instant is usable unless it is ahead of the database's clock by more than the skew. */
export function aheadOfClock(now: Date, databaseNow: Date, skewMs: number = CLOCK_SKEW_MS): number | null {
  const ahead = now.getTime() - databaseNow.getTime();
  return ahead > skewMs ? ahead : null;
}
