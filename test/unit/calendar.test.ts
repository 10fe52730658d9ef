import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMs,
  businessMsBetween,
  type Calendar,
  isOpen,
  localTime,
  nextOpening,
  NO_HOLIDAYS,
  windowAt,
} from '../../src/calendar/calendar.js';
import { holidaysOf } from '../../src/config/holidays.js';
import { businessClock, decideSending, SCHEDULE_MAX_AHEAD_MS } from '../../src/calendar/team-calendars.js';
import { decideCadence } from '../../src/policy/cadence.js';
import type { Tier } from '../../src/config/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function calendar(overrides: Partial<Calendar> = {}): Calendar {
  return {
    timezone: 'UTC',
    workdays: new Set([1, 2, 3, 4, 5]),
    startMinute: 9 * 60,
    endMinute: 17 * 60,
    holidays: NO_HOLIDAYS,
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);

// Labelled instants. 2026-03-02 is a Monday.
const MON_0800Z = at('2026-03-02T08:00:00Z');
const MON_0900Z = at('2026-03-02T09:00:00Z');
const MON_1659Z = at('2026-03-02T16:59:59.999Z');
const MON_1700Z = at('2026-03-02T17:00:00Z');
const FRI_1700Z = at('2026-03-06T17:00:00Z');
const SAT_1200Z = at('2026-03-07T12:00:00Z');
const NEXT_MON_0900Z = at('2026-03-09T09:00:00Z');

describe('the sending window', () => {
  it('is open from the opening instant and closed from the closing instant', () => {
    const cal = calendar();
    expect(isOpen(cal, MON_0800Z)).toBe(false);
    expect(isOpen(cal, MON_0900Z)).toBe(true);
    expect(isOpen(cal, MON_1659Z)).toBe(true);
    expect(isOpen(cal, MON_1700Z)).toBe(false);
    expect(windowAt(cal, MON_0900Z)).toEqual({ open: true, closesAt: MON_1700Z });
  });

  it('opens next on the next working day, skipping the weekend', () => {
    const cal = calendar();
    expect(nextOpening(cal, MON_0800Z)).toEqual(MON_0900Z);
    expect(nextOpening(cal, MON_1200())).toEqual(MON_1200());
    expect(nextOpening(cal, FRI_1700Z)).toEqual(NEXT_MON_0900Z);
    expect(nextOpening(cal, SAT_1200Z)).toEqual(NEXT_MON_0900Z);
  });

  it('keeps to local time in a half-hour zone (Asia/Kolkata, UTC+05:30)', () => {
    const cal = calendar({ timezone: 'Asia/Kolkata' });
    // 09:00 IST = 03:30Z.
    expect(isOpen(cal, at('2026-03-02T03:29:59Z'))).toBe(false);
    expect(isOpen(cal, at('2026-03-02T03:30:00Z'))).toBe(true);
    expect(nextOpening(cal, at('2026-03-06T11:30:00Z'))).toEqual(at('2026-03-09T03:30:00Z'));
    expect(localTime(cal, at('2026-03-09T03:30:00Z'))).toBe('09:00');
  });

  it('follows DST forward: 09:00 Berlin is 08:00Z before and 07:00Z after the last Sunday of March', () => {
    const cal = calendar({ timezone: 'Europe/Berlin' });
    expect(nextOpening(cal, at('2026-03-27T17:00:00Z'))).toEqual(at('2026-03-30T07:00:00Z'));
    expect(nextOpening(cal, at('2026-03-26T17:00:00Z'))).toEqual(at('2026-03-27T08:00:00Z'));
  });

  it('follows DST back: 09:00 New York is 13:00Z before and 14:00Z after the first Sunday of November', () => {
    const cal = calendar({ timezone: 'America/New_York' });
    expect(nextOpening(cal, at('2026-10-30T22:00:00Z'))).toEqual(at('2026-11-02T14:00:00Z'));
    expect(nextOpening(cal, at('2026-10-29T22:00:00Z'))).toEqual(at('2026-10-30T13:00:00Z'));
  });

  it('opens a window that starts inside a DST gap at the end of the gap', () => {
    // 02:30 does not exist in Berlin on 2026-03-29 (a Sunday, made a workday here).
    const cal = calendar({ timezone: 'Europe/Berlin', workdays: new Set([7]), startMinute: 150, endMinute: 240 });
    expect(nextOpening(cal, at('2026-03-28T12:00:00Z'))).toEqual(at('2026-03-29T01:30:00Z')); // 03:30 CEST
  });

  it('a window crossing midnight belongs to the day it opens on', () => {
    // 22:00–06:00 on weekdays: open Friday night into Saturday morning, never on Saturday night.
    const cal = calendar({ startMinute: 22 * 60, endMinute: 6 * 60 });
    expect(isOpen(cal, at('2026-03-06T21:59:00Z'))).toBe(false);
    expect(isOpen(cal, at('2026-03-06T22:00:00Z'))).toBe(true);
    expect(isOpen(cal, at('2026-03-07T05:59:00Z'))).toBe(true); // Saturday morning, Friday's window
    expect(windowAt(cal, at('2026-03-07T05:00:00Z'))).toEqual({ open: true, closesAt: at('2026-03-07T06:00:00Z') });
    expect(isOpen(cal, at('2026-03-07T23:00:00Z'))).toBe(false); // Saturday night
    expect(isOpen(cal, at('2026-03-02T03:00:00Z'))).toBe(false); // Monday morning: Sunday opened no window
    expect(nextOpening(cal, at('2026-03-07T06:00:00Z'))).toEqual(at('2026-03-09T22:00:00Z'));
  });

  it('is closed on a holiday, from a date or from a region', () => {
    const byDate = calendar({ holidays: holidaysOf(['2026-03-02']) });
    expect(isOpen(byDate, MON_0900Z)).toBe(false);
    expect(nextOpening(byDate, MON_0900Z)).toEqual(at('2026-03-03T09:00:00Z'));
    // Karfreitag 2026-04-03 and Ostermontag 2026-04-06 in Berlin.
    const berlin = calendar({ timezone: 'Europe/Berlin', holidays: holidaysOf(['DE-BE']) });
    expect(nextOpening(berlin, at('2026-04-02T16:00:00Z'))).toEqual(at('2026-04-07T07:00:00Z'));
  });

  it('property: nextOpening is open, not before now, and no earlier instant checked on the hour is open', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Chatham'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 2 * 365 * 24 }),
        fc.integer({ min: 0, max: 23 * 60 }),
        fc.integer({ min: 30, max: 20 * 60 }),
        fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
        (timezone, hours, start, length, days) => {
          const cal = calendar({ timezone, workdays: new Set(days), startMinute: start, endMinute: (start + length) % 1440 });
          const now = new Date(Date.UTC(2026, 0, 1) + hours * HOUR);
          const opening = nextOpening(cal, now);
          expect(opening.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(isOpen(cal, opening)).toBe(true);
          for (let t = now.getTime(); t < opening.getTime(); t += HOUR / 2) expect(isOpen(cal, new Date(t))).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});

function MON_1200(): Date {
  return at('2026-03-02T12:00:00Z');
}

describe('business time', () => {
  it('counts working days only: Friday noon to Monday noon is one day', () => {
    const cal = calendar();
    expect(businessMsBetween(cal, at('2026-03-06T12:00:00Z'), at('2026-03-09T12:00:00Z'))).toBe(DAY);
    expect(businessMsBetween(cal, SAT_1200Z, at('2026-03-08T23:00:00Z'))).toBe(0);
    expect(businessMsBetween(cal, MON_0900Z, at('2026-03-16T09:00:00Z'))).toBe(10 * DAY);
  });

  it('is negative backwards', () => {
    const cal = calendar();
    expect(businessMsBetween(cal, at('2026-03-09T12:00:00Z'), at('2026-03-06T12:00:00Z'))).toBe(-DAY);
  });

  it('skips holidays', () => {
    const cal = calendar({ holidays: holidaysOf(['2026-03-03', '2026-03-04']) });
    expect(businessMsBetween(cal, MON_0900Z, at('2026-03-05T09:00:00Z'))).toBe(DAY);
  });

  it('counts a 23-hour and a 25-hour working day as one day each (DST both ways)', () => {
    // Berlin springs forward on Sunday 2026-03-29; made a workweek of Sun–Thu to put the change on a working day.
    const spring = calendar({ timezone: 'Europe/Berlin', workdays: new Set([7, 1, 2, 3, 4]) });
    expect(businessMsBetween(spring, at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'))).toBe(DAY);
    expect(businessMsBetween(spring, at('2026-03-28T23:00:00Z'), at('2026-03-30T22:00:00Z'))).toBe(2 * DAY);
    // New York falls back on Sunday 2026-11-01: a 25-hour day.
    const autumn = calendar({ timezone: 'America/New_York', workdays: new Set([7, 1]) });
    expect(businessMsBetween(autumn, at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'))).toBe(DAY);
    // Friday 09:00 local to Monday 09:00 local across either change: one working day.
    const berlin = calendar({ timezone: 'Europe/Berlin' });
    expect(businessMsBetween(berlin, at('2026-03-27T08:00:00Z'), at('2026-03-30T07:00:00Z'))).toBe(DAY);
    const ny = calendar({ timezone: 'America/New_York' });
    expect(businessMsBetween(ny, at('2026-10-30T13:00:00Z'), at('2026-11-02T14:00:00Z'))).toBe(DAY);
  });

  it('counts in the half-hour zone Asia/Kolkata by its own midnight', () => {
    const cal = calendar({ timezone: 'Asia/Kolkata' });
    // Friday 23:00 IST (17:30Z) to Monday 01:00 IST (2026-03-08T19:30Z): 1h of Friday + 1h of Monday.
    expect(businessMsBetween(cal, at('2026-03-06T17:30:00Z'), at('2026-03-08T19:30:00Z'))).toBe(2 * HOUR);
  });

  it('property: addBusinessMs inverts businessMsBetween, and business time never exceeds calendar time', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 3 * 365 * DAY }),
        fc.integer({ min: 0, max: 30 * DAY }),
        fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
        (timezone, offset, ms, days) => {
          const cal = calendar({ timezone, workdays: new Set(days), holidays: holidaysOf(['2026-12-25', '2027-01-01']) });
          const from = new Date(Date.UTC(2026, 0, 1) + offset);
          const to = addBusinessMs(cal, from, ms);
          expect(to.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(Math.abs(businessMsBetween(cal, from, to) - ms)).toBeLessThanOrEqual(2);
          const later = new Date(to.getTime() + 1 + (offset % DAY));
          expect(businessMsBetween(cal, from, later)).toBeLessThanOrEqual(later.getTime() - from.getTime() + 2 * HOUR);
          // Additive: from → to → later equals from → later.
          expect(
            Math.abs(businessMsBetween(cal, from, to) + businessMsBetween(cal, to, later) - businessMsBetween(cal, from, later)),
          ).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the business clock on the ladder', () => {
  const tier: Tier = { name: 'firm', afterDaysOverdue: 3, every: '24h', everyMs: DAY, mention: 'none' };

  it('a 24h tier nudged on Friday is next due on Monday, not Saturday', () => {
    const clock = businessClock(calendar());
    const state = { nudgeCount: 1, lastNudgedAt: at('2026-03-06T09:00:00Z'), lastTier: 'firm' };
    expect(decideCadence(tier, state, null, at('2026-03-07T09:00:00Z'), clock).disposition).toBe('waiting');
    const decision = decideCadence(tier, state, null, at('2026-03-09T09:00:00Z'), clock);
    expect(decision.disposition).toBe('due');
    expect(decideCadence(tier, state, null, SAT_1200Z, clock).nextNudgeAt).toEqual(at('2026-03-09T08:00:00Z'));
  });

  it('the calendar clock (default) is unchanged: due again on Saturday', () => {
    const state = { nudgeCount: 1, lastNudgedAt: at('2026-03-06T09:00:00Z'), lastTier: 'firm' };
    expect(decideCadence(tier, state, null, at('2026-03-07T09:00:00Z')).disposition).toBe('due');
  });
});

describe('decideSending', () => {
  const cal = calendar();
  it('sends inside the window whatever outsideHours says', () => {
    for (const mode of ['wait', 'schedule', 'send'] as const) expect(decideSending(cal, mode, MON_0900Z)).toEqual({ mode: 'send' });
  });
  it('outside it: waits, schedules at the opening, or sends', () => {
    expect(decideSending(cal, 'wait', SAT_1200Z)).toEqual({ mode: 'hold', reason: 'outside-hours', opensAt: NEXT_MON_0900Z });
    expect(decideSending(cal, 'schedule', SAT_1200Z)).toEqual({ mode: 'schedule', postAt: NEXT_MON_0900Z });
    expect(decideSending(cal, 'send', SAT_1200Z)).toEqual({ mode: 'send' });
  });
  it('never schedules more than 120 days ahead: holds instead', () => {
    const longHoliday = calendar({
      holidays: holidaysOf(Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2026, 2, 7 + i)).toISOString().slice(0, 10))),
    });
    const decision = decideSending(longHoliday, 'schedule', SAT_1200Z);
    expect(decision.mode).toBe('hold');
    expect(SCHEDULE_MAX_AHEAD_MS).toBe(120 * DAY);
  });
});

describe('latestDailySlot (digest.at)', () => {
  it("is today's slot once it has passed, else yesterday's, in the zone's local time", async () => {
    const { latestDailySlot } = await import('../../src/calendar/calendar.js');
    // 08:30 Berlin = 07:30Z in winter.
    expect(latestDailySlot('Europe/Berlin', 8 * 60 + 30, at('2026-03-13T07:30:00Z'))).toEqual(at('2026-03-13T07:30:00Z'));
    expect(latestDailySlot('Europe/Berlin', 8 * 60 + 30, at('2026-03-13T07:29:59Z'))).toEqual(at('2026-03-12T07:30:00Z'));
    // Across the spring change: 08:30 CEST = 06:30Z.
    expect(latestDailySlot('Europe/Berlin', 8 * 60 + 30, at('2026-03-30T12:00:00Z'))).toEqual(at('2026-03-30T06:30:00Z'));
    expect(latestDailySlot('Europe/Berlin', 8 * 60 + 30, at('2026-03-30T06:00:00Z'))).toEqual(at('2026-03-29T06:30:00Z'));
    // Kolkata, half an hour off: 08:30 IST = 03:00Z.
    expect(latestDailySlot('Asia/Kolkata', 8 * 60 + 30, at('2026-03-13T03:00:00Z'))).toEqual(at('2026-03-13T03:00:00Z'));
  });
});
