import type { ChaserRun } from './chaser-process.js';
import type { CpuShare } from './cpu-share.js';
import type { ReadPlans } from './explain.js';
import type { BenchOptions, BenchSize } from './options.js';
import type { SlackTimeline } from './slack-timeline.js';
import type { StartupTiming } from './startup.js';

/** The shape of a benchmark's results: what run.ts measures and report.ts prints. */

/** A step measured on the database: client wall time, and CPU time of the server's backends for it. */
export interface DbStep {
  ms: number;
  cpuMs: number;
}

/** A whole run of the CLI, with what the server and the machine did meanwhile. */
export interface CliRun extends ChaserRun {
  /** CPU time of the server's backends on the scratch database during the run. */
  dbCpuMs: number;
  /** Connections chaser opened: postgres.js sends one type lookup on each, counted in its `queries`. */
  sessions: number;
  cpu: CpuShare;
}

export interface SweepRun extends CliRun {
  concurrency: number;
  latencyMs: number;
  nudgedRecorded: number;
  /** Transactions that wrote nudges (rows of one statement share their xmin): at most one per team. */
  recordStatements: number;
  slack: SlackTimeline;
}

export interface SizeResult {
  size: BenchSize;
  seedMs: number;
  outstanding: number;
  due: number;
  previouslyNudged: number;
  floor: { read: DbStep; write: DbStep; total: DbStep; rowsRead: number; rowsWritten: number };
  sortedRead: DbStep;
  chaserSql: { read: DbStep; writes: DbStep; total: DbStep; writeStatements: number };
  readAndPlan: DbStep;
  dryRun: CliRun;
  /** Fake Slack at 0 ms, no rate rule: the sweep's database and CPU work. */
  sweepFast: SweepRun;
  /** The same with -v: the run stats (queries, Slack calls) and what verbose logging costs. */
  sweepFastVerbose: SweepRun;
  /** --heap-cap: the 0 ms sweep under node --max-old-space-size (its exit code says whether it fitted). */
  sweepFastCapped?: SweepRun & { heapCapMb: number };
  /** The paced sweep at the configured concurrency, then at each --extra-concurrency. */
  sweep: SweepRun;
  sweepAtOtherConcurrency: SweepRun[];
  plans: ReadPlans;
}

export interface BenchResults {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; postgres: string };
  options: Omit<BenchOptions, 'url'> & { concurrencyUsed: number };
  startup?: StartupTiming;
  sizes: SizeResult[];
  /** Newest file time under the measured build's dist/ at the start and at the end: they differ if it was rebuilt mid-run. */
  build: { atStart: string; atEnd: string };
}
