import { describe, expect, it } from 'vitest';
import { describeProjection, lastPerDay, projectFinish, signed, sparkline } from '../../src/policy/trend.js';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T09:00:00Z');
const day = (n: number, value: number) => ({ at: new Date(T0.getTime() + n * DAY), value });

describe('sparkline', () => {
  it('scales against zero and the largest value: a burn-down falls to the lowest bar', () => {
    expect(sparkline([8, 7, 6, 4, 2, 0])).toBe('█▇▆▅▃▁');
    expect(sparkline([80, 70, 60, 40, 20])).toBe('█▇▆▅▃');
  });
  it('keeps any non-zero value above the zero bar, and handles empty and all-zero input', () => {
    expect(sparkline([1000, 1])).toBe('█▂');
    expect(sparkline([])).toBe('');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});

describe('lastPerDay', () => {
  it('keeps the last point of each UTC day, oldest first, whatever the input order', () => {
    const late = { at: new Date('2026-03-02T18:00:00Z'), value: 5 };
    expect(lastPerDay([day(1, 3), late, day(0, 9)], (p) => p.at)).toEqual([late, day(1, 3)]);
  });
});

describe('projectFinish', () => {
  it('projects from the latest count at the recent rate', () => {
    const projection = projectFinish([day(0, 10), day(1, 8), day(2, 6)]);
    expect(projection).toEqual({ kind: 'projected', at: new Date(T0.getTime() + 5 * DAY), perDay: 2 });
    expect(describeProjection(projection)).toBe('projected done 2026-03-07 (−2.0/day)');
  });
  it('says not converging when the count is flat or rising', () => {
    expect(projectFinish([day(0, 5), day(1, 5), day(2, 5)])).toMatchObject({ kind: 'not-converging' });
    expect(projectFinish([day(0, 5), day(3, 9)])).toMatchObject({ kind: 'not-converging' });
    expect(describeProjection(projectFinish([day(0, 5), day(3, 9)]))).toBe('not converging');
  });
  it('uses only the recent window: an old fast start does not hide a stall', () => {
    const points = [day(0, 100), day(1, 20), ...Array.from({ length: 10 }, (_, i) => day(20 + i, 20))];
    expect(projectFinish(points, { windowDays: 14 })).toMatchObject({ kind: 'not-converging' });
  });
  it('is done at zero, and too early with one point or less than a day of history', () => {
    expect(projectFinish([day(0, 4), day(1, 0)])).toEqual({ kind: 'done', at: day(1, 0).at });
    expect(projectFinish([day(0, 4)])).toEqual({ kind: 'too-early' });
    expect(projectFinish([day(0, 4), { at: new Date(T0.getTime() + DAY / 2), value: 2 }])).toEqual({ kind: 'too-early' });
    expect(projectFinish([])).toEqual({ kind: 'too-early' });
  });
});

describe('signed', () => {
  it('prints a change with its sign', () => {
    expect([signed(3), signed(-2), signed(0)]).toEqual(['+3', '−2', '±0']);
  });
});
