import type { ExitCode } from '../exit-codes.js';
import type { Plan } from '../policy/types.js';

/** The three commands that run the pipeline: the one place this union is written. */
export type RunMode = 'sweep' | 'digest' | 'dry-run';

/** What happened to one delivery: errors at this edge are values, not exceptions. */
export type Delivery = { ok: true; channel: string; ts: string } | { ok: false; reason: string };

/** What became of the digest. */
export interface DigestOutcome {
  delivered: boolean;
  channel?: string;
  error?: string;
}

/** Statements sent to Postgres and HTTP requests sent to Slack (-v stats, benchmarks, the query-count test). */
export interface RunStats {
  queries: number;
  slackCalls: number;
}

/** What one run of sweep / digest / dry-run decided and did: the input of every reporter. */
export interface RunResult {
  command: RunMode;
  now: Date;
  plan: Plan;
  /** Per team with something due: what happened to its message (absent in dry-run). */
  deliveries: Map<string, Delivery>;
  digest: DigestOutcome;
  exitCode: ExitCode;
  /** Human sentences about why the exit code is not 0 or 3 (failed deliveries, aborted run). */
  problems: string[];
  stats: RunStats;
}
