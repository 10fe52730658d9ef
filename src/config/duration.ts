/**
 * Durations as people write them in a config file: one or more `<number><unit>` segments,
 * summed ("72h", "1d12h", "90m", "1.5h"). Units: ms, s, m (minutes), h, d, w.
 * Pure; no calendar arithmetic (a day is always 24 h: cadences, not wall-clock dates).
 */
export const HOUR_MS = 3_600_000;
/** A day as a duration: always 24 h. */
export const DAY_MS = 24 * HOUR_MS;

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: HOUR_MS,
  d: DAY_MS,
  w: 7 * DAY_MS,
} as const;
type Unit = keyof typeof UNIT_MS;

/** A JSON-Schema-compatible shape check; it cannot express "not zero", which `parseDuration` adds. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';
const WHOLE = new RegExp(DURATION_PATTERN);
// `ms` before `m` so "500ms" is 500 milliseconds, not 500 minutes followed by junk.
const SEGMENT = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Milliseconds, or null for anything that is not a positive duration (zero, negative, bare number, unknown unit, empty). */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(SEGMENT)) {
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  const ms = Math.round(total);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

// Weeks are left out on purpose: "14d" reads better in a Slack message than "2w".
const FORMAT_UNITS: ReadonlyArray<[Unit, number]> = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
  ['ms', UNIT_MS.ms],
];

/** The shortest `parseDuration`-compatible text for a number of milliseconds: 129600000 → "1d12h". */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms);
  if (rest <= 0) return '0ms';
  let text = '';
  for (const [unit, size] of FORMAT_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
