import { compareText } from './team-tally.js';

/**
 * Edit distance between two texts (optimal string alignment: insertions, deletions, substitutions
 * and swaps of two neighbours each cost 1), so "paymnets" is 1 from "payments". Compared by code
 * point, case-insensitively: a filter typed in the wrong case is still the closest match.
 */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a.toLowerCase());
  const y = Array.from(b.toLowerCase());
  // Three rows of the dynamic-programming table: the swap looks two rows back.
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = new Array<number>(y.length + 1).fill(0);
    current[0] = i;
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * The candidates ordered closest to `value` first (ties by name, so the order is stable), at most
 * `limit` of them, duplicates dropped: what a "did you mean" line shows.
 */
export function closestFirst(value: string, candidates: Iterable<string>, limit = 5): string[] {
  const unique = [...new Set(candidates)];
  return unique
    .map((candidate) => ({ candidate, distance: editDistance(value, candidate) }))
    .sort((a, b) => a.distance - b.distance || compareText(a.candidate, b.candidate))
    .slice(0, Math.max(0, limit))
    .map((entry) => entry.candidate);
}
