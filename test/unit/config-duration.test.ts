import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['72h', 72 * HOUR],
    ['24h', DAY],
    ['1d', DAY],
    ['1d12h', 129_600_000],
    ['90m', 90 * MINUTE],
    ['1h30m', 90 * MINUTE],
    ['1.5h', 90 * MINUTE],
    ['30s', 30_000],
    ['500ms', 500],
    ['1m500ms', MINUTE + 500],
    ['1w', 7 * DAY],
    ['2w1d', 15 * DAY],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['negative', '-1h'],
    ['zero without a unit', '0'],
    ['zero with a unit', '0h'],
    ['zero in every segment', '0d0h'],
    ['empty', ''],
    ['a bare number', '12'],
    ['an unknown unit', '1x'],
    ['months (not a unit)', '1mo'],
    ['a unit without a number', 'h'],
    ['a space inside', '1 h'],
    ['surrounding space', ' 1h'],
    ['an upper-case unit', '1H'],
    ['trailing junk', '1h-'],
    ['a dangling decimal point', '1.h'],
    ['a leading decimal point', '.5h'],
    ['less than a millisecond', '0.1ms'],
  ])('refuses %s (%j)', (_, text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [129_600_000, '1d12h'],
    [90 * MINUTE, '1h30m'],
    [14 * DAY, '14d'],
    [72 * HOUR, '3d'],
    [500, '500ms'],
    [DAY + 1_500, '1d1s500ms'],
    [0, '0ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes text that parseDuration reads back to the same milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 * 365 * DAY }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
