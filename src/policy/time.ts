/** Pure date helpers: every one takes the instants it compares, none reads the clock. */

import { DAY_MS } from '../config/duration.js';

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
  const iso = instant.toISOString(); // 2026-03-09T10:00:00.000Z
  const day = iso.slice(0, 10);
  const minutes = iso.slice(11, 16);
  const seconds = iso.slice(17, 19);
  const millis = iso.slice(20, 23);
  if (millis !== '000') return `${day} ${minutes}:${seconds}.${millis}Z`;
  if (seconds !== '00') return `${day} ${minutes}:${seconds}Z`;
  return `${day} ${minutes}Z`;
}
