/**
 * Instants as read from the inventory, whatever the column's type, turned into Dates the policy
 * understands. Postgres' infinities have a meaning and are kept: +infinity is FOREVER (a
 * snooze that never ends, a deadline never reached), -infinity is the far past. Anything
 * unreadable is an Invalid Date: present, but not an instant, which the policy reports (never
 * "not set", which is NULL).
 */
import { FAR_PAST_MS, FOREVER_MS } from '../policy/time.js';

/** From `date_part('epoch', …)` (float8 seconds; ±Infinity for the infinities). */
export function instantFromEpoch(seconds: number | null): Date | null {
  if (seconds === null) return null;
  if (seconds === Infinity) return new Date(FOREVER_MS);
  if (seconds === -Infinity) return new Date(FAR_PAST_MS);
  // Milliseconds, as a Date holds them; float8 keeps microseconds of present-day epochs to well under that.
  return new Date(Number.isFinite(seconds) ? Math.round(seconds * 1000) : Number.NaN);
}

// ISO 8601 as people and databases write it: a date, optionally a time (T or space, seconds and a
// fraction optional) and a zone (Z, UTC, ±HH, ±HHMM, ±HH:MM).
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A text column's value. Only ISO 8601 is read ("2026-03-09", "2026-03-09 10:00", "2026-03-09T10:00:00+02:00");
 * a value without a zone is UTC (the same for every reader, whatever the session's TimeZone).
 * "infinity" / "-infinity" as Postgres writes them. Anything else ("next tuesday", "2026-02-30")
 * is an Invalid Date: that row is reported, never guessed at.
 */
export function instantFromText(text: string | null): Date | null {
  if (text === null) return null;
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === 'infinity' || lower === '+infinity') return new Date(FOREVER_MS);
  if (lower === '-infinity') return new Date(FAR_PAST_MS);
  const match = ISO_INSTANT.exec(value);
  if (!match) return new Date(Number.NaN);
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(`${fraction}000`.slice(0, 3));
  // Date.UTC maps years 0–99 to 1900–1999; no deadline is from then, so such a value is refused.
  if (year < 100) return new Date(Number.NaN);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return new Date(Number.NaN);
  // 24:00:00 is midnight at the end of the day, as Postgres reads it; nothing later.
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute > 0 || second > 0 || ms > 0))) return new Date(Number.NaN);
  const offsetMinutes = zoneOffsetMinutes(zone);
  if (offsetMinutes === null) return new Date(Number.NaN);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneOffsetMinutes(zone: string): number | null {
  const upper = zone.toUpperCase();
  if (upper === 'Z' || upper === 'UTC') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 15 || minutes > 59) return null;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
