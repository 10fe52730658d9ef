/** Pure helpers for a campaign's trend: no clock, every instant passed in. */

const DAY_MS = 86_400_000;
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * A text sparkline, one bar per value, scaled from 0 to the largest value (a burn-down reads
 * against zero, not against its own minimum). Empty input gives ''; all zeros give the lowest bar.
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (!(max > 0) || !(value > 0)) return BARS[0];
      const index = Math.min(BARS.length - 1, Math.max(1, Math.round((value / max) * (BARS.length - 1))));
      return BARS[index];
    })
    .join('');
}

export interface TrendPoint {
  at: Date;
  value: number;
}

/** The last point of each UTC day, oldest first: one point per day however often chaser runs. */
export function lastPerDay<T>(items: readonly T[], at: (item: T) => Date): T[] {
  const byDay = new Map<string, T>();
  for (const item of [...items].sort((a, b) => at(a).getTime() - at(b).getTime())) byDay.set(at(item).toISOString().slice(0, 10), item);
  return [...byDay.values()];
}

export type Projection =
  | { kind: 'done'; at: Date }
  | { kind: 'projected'; at: Date; perDay: number }
  | { kind: 'not-converging'; perDay: number }
  | { kind: 'too-early' };

/**
 * When the outstanding count reaches zero if it keeps falling as it did over the last
 * `windowDays` before the latest point: a least-squares line through those points. Falling by
 * less than `minPerDay` is "not converging" (a line that flat projects years out, which is noise,
 * not a date). Needs two points at least a day apart.
 */
export function projectFinish(points: readonly TrendPoint[], options: { windowDays?: number; minPerDay?: number } = {}): Projection {
  const sorted = [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = sorted.at(-1);
  if (!last) return { kind: 'too-early' };
  if (last.value === 0) return { kind: 'done', at: last.at };
  const windowMs = (options.windowDays ?? 14) * DAY_MS;
  const recent = sorted.filter((point) => last.at.getTime() - point.at.getTime() <= windowMs);
  const first = recent[0];
  if (!first || recent.length < 2 || last.at.getTime() - first.at.getTime() < DAY_MS) return { kind: 'too-early' };
  const xs = recent.map((point) => (point.at.getTime() - last.at.getTime()) / DAY_MS);
  const ys = recent.map((point) => point.value);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - meanX) * ((ys[i] as number) - meanY);
    den += (x - meanX) ** 2;
  });
  const slope = num / den; // per day; negative when falling
  const perDay = -slope;
  if (!(perDay >= (options.minPerDay ?? 0.05))) return { kind: 'not-converging', perDay };
  // From the latest count (not the fitted line's value there): the date answers "from where we are".
  const days = last.value / perDay;
  return { kind: 'projected', at: new Date(last.at.getTime() + Math.ceil(days) * DAY_MS), perDay };
}

/** "projected done 2026-03-28 (−1.5/day)", "not converging", "done 2026-03-20", "too early to tell". */
export function describeProjection(projection: Projection): string {
  switch (projection.kind) {
    case 'done':
      return `done ${projection.at.toISOString().slice(0, 10)}`;
    case 'projected':
      return `projected done ${projection.at.toISOString().slice(0, 10)} (−${formatRate(projection.perDay)}/day)`;
    case 'not-converging':
      return 'not converging';
    case 'too-early':
      return 'too early to tell';
  }
}

function formatRate(perDay: number): string {
  return perDay >= 10 ? String(Math.round(perDay)) : perDay.toFixed(1);
}

/** "+3", "−2", "±0": a change with its sign, for "since the last digest". */
export function signed(delta: number): string {
  if (delta > 0) return `+${delta}`;
  if (delta < 0) return `−${-delta}`;
  return '±0';
}
