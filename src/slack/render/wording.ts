/** Small pieces of wording shared by the team message and the digest; no clock, `now` is passed in. */
import { daysOverdue } from '../../policy/time.js';

/** Whole days from the deadline to `now`, rounded down, never negative (the policy's `daysOverdue`, floored at 0). */
export function daysOverdueBetween(deadline: Date, now: Date): number {
  return Math.max(0, daysOverdue(deadline, now));
}

/** "less than a day overdue" on the first day past the deadline, then "1 day overdue", "9 days overdue". */
export function overduePhrase(days: number): string {
  if (days < 1) return 'less than a day overdue';
  return `${plural(days, 'day')} overdue`;
}

/** "1 consumer", "3 consumers". */
export function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/** The calendar date in UTC (YYYY-MM-DD): the same for every reader, whatever the runner's time zone. */
export function formatDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().slice(0, 10);
}

/** "2026-03-10 09:00 UTC". */
export function formatMinuteUtc(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'unknown' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
