import type { Config } from '../config/types.js';
import { describeDbError, type Sql } from '../db/connect.js';
import type { Log } from '../log.js';
import type { Redactor } from '../redact.js';
import type { RunMode, RunStats } from '../run/types.js';

/** What a run may touch of the outside world: a narrow slice of a command's context. */
export interface RunEnv {
  log: Log;
  /** Every line leaving the run (log, run record) passes through it. */
  redact: Redactor;
  /** Aborted on SIGTERM / SIGINT. */
  signal: AbortSignal;
}

/** What sweep, digest and dry-run ask of the pipeline: resolved flags, config and environment. */
export interface RunRequest {
  command: RunMode;
  config: Config;
  now: Date;
  failOn: string;
  teams?: string[];
  keyId?: string;
  /** Post the digest (sweep --no-digest turns it off; dry-run only renders it). */
  digest: boolean;
  /** Slack token, from SLACK_BOT_TOKEN; required when something is posted. */
  slackToken?: string;
  slackApiUrl?: string;
  /** Called with the result's progress on a TTY. */
  onProgress?: (settled: number, total: number) => void;
  /** `dry-run --demo`: a sample campaign, not a deployment; sweep's environment is not checked. */
  demo?: boolean;
}

/** Handed to every stage: the request, the run's environment, its main pool and its counters. */
export interface RunScope {
  env: RunEnv;
  request: RunRequest;
  sql: Sql;
  stats: RunStats;
}

/** The filters a run was asked for (--team, --key), absent ones left out. */
export function requestFilters(request: RunRequest): { teams?: string[]; keyId?: string } {
  return { ...(request.teams?.length ? { teams: request.teams } : {}), ...(request.keyId ? { keyId: request.keyId } : {}) };
}

/** Database errors a user can cause become exit 69 with a sentence; anything else is a bug. */
export async function guardDb<T>(scope: RunScope, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw describeDbError(error, scope.env.redact) ?? error;
  }
}
