import { chaserEntry, REPO_ROOT, timeProcess } from './chaser-process.js';

export interface StartupTiming {
  runs: number;
  nodeMedianMs: number;
  helpMedianMs: number;
  /** chaser --help minus a bare node, medians: what chaser's own startup costs. */
  overheadMs: number;
  nodeAllMs: number[];
  helpAllMs: number[];
}

/** `node -e 0` and `chaser --help`, alternated so drift on the machine hits both alike. One warm-up each, not counted. */
export async function timeStartup(runs: number): Promise<StartupTiming> {
  await timeProcess(['-e', '0'], REPO_ROOT);
  await timeProcess([chaserEntry(), '--help'], REPO_ROOT);
  const nodeAllMs: number[] = [];
  const helpAllMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    nodeAllMs.push(await timeProcess(['-e', '0'], REPO_ROOT));
    helpAllMs.push(await timeProcess([chaserEntry(), '--help'], REPO_ROOT));
  }
  const nodeMedianMs = median(nodeAllMs);
  const helpMedianMs = median(helpAllMs);
  return { runs, nodeMedianMs, helpMedianMs, overheadMs: helpMedianMs - nodeMedianMs, nodeAllMs, helpAllMs };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
