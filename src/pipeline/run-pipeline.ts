import { connect, type ConnectOptions } from '../db/connect.js';
import type { HeldSweepLock } from '../db/lock.js';
import { failOnExceeded } from '../policy/fail-on.js';
import { decideOutcome } from '../run/outcome.js';
import type { DigestOutcome, RunResult, RunStats } from '../run/types.js';
import type { RunEnv, RunRequest, RunScope } from './scope.js';
import { checkDatabase } from './stages/check-database.js';
import { checkRequest, type RunSteps } from './stages/check-request.js';
import { connectSlack } from './stages/connect-slack.js';
import { deliverDigest } from './stages/deliver-digest.js';
import { deliverNudges, noNudges } from './stages/deliver-nudges.js';
import { markUnrouted } from './stages/mark-unrouted.js';
import { readPlan } from './stages/read-plan.js';
import { closeRunRecord, openRunRecord } from './stages/run-record.js';
import { takeSweepLock } from './stages/take-sweep-lock.js';

/**
 * The one pipeline behind sweep, digest and dry-run: check, read, plan, deliver, decide, record.
 * Each line is a stage (src/pipeline/stages/, one file each); which ones run is the steps table
 * in check-request.ts. ARCHITECTURE.md says how to add one.
 */
export async function runPipeline(env: RunEnv, request: RunRequest): Promise<RunResult> {
  const steps = checkRequest(request);
  const stats: RunStats = { queries: 0, slackCalls: 0 };
  const pool = poolOptions(request, stats);
  const scope: RunScope = { env, request, stats, sql: connect(request.config.database.url, pool) };
  let lock: HeldSweepLock | undefined;
  let failed = false;
  try {
    const slack = steps.post ? await connectSlack(scope) : undefined;
    const source = await checkDatabase(scope);
    if (steps.lock) lock = await takeSweepLock(scope, pool);
    const runId = steps.record ? await openRunRecord(scope) : undefined;
    const plan = await readPlan(scope, source);
    const nudges = slack && steps.nudge ? await deliverNudges(scope, { slack, plan, runId, lock }) : noNudges();
    const unrouted = markUnrouted(scope, plan, nudges.deliveries);
    // Not after a signal, nor when the credentials just proved unable to post.
    const sendDigest = slack && steps.digest && !env.signal.aborted && !nudges.fatal;
    const digest = sendDigest ? await deliverDigest(scope, slack, plan, nudges.deliveries) : undefined;
    const outcome = decideOutcome({
      plan,
      deliveries: nudges.deliveries,
      unrouted,
      nudges: steps.nudge,
      ...(nudges.fatal ? { nudgeFatal: nudges.fatal } : {}),
      ...(digest ? { digest } : {}),
      outstandingExceeded: failOnExceeded(plan, request.failOn),
      interrupted: env.signal.aborted,
    });
    if (runId !== undefined) await closeRunRecord(scope, runId, outcome.record);

    env.log.debug('run stats', { queries: stats.queries, slackCalls: stats.slackCalls, exitCode: outcome.exitCode });
    return {
      command: request.command,
      now: request.now,
      plan,
      deliveries: nudges.deliveries,
      digest: digestOutcome(digest, steps),
      exitCode: outcome.exitCode,
      problems: outcome.problems,
      stats,
    };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await lock?.release({ failed });
    // Failing, nothing of ours is in flight, and a connection the server broke can keep a graceful
    // end waiting for an answer that never comes: close at once instead of stalling the exit.
    await scope.sql.end({ timeout: failed || lock?.lost ? 0 : 5 }).catch(() => {});
  }
}

function poolOptions(request: RunRequest, stats: RunStats): ConnectOptions {
  return {
    connectTimeoutSeconds: request.config.database.connectTimeoutSeconds,
    statementTimeoutMs: request.config.database.statementTimeoutMs,
    onQuery: () => {
      stats.queries += 1;
    },
  };
}

/** The digest as the result reports it: what happened, or why it was not tried. */
function digestOutcome(digest: (DigestOutcome & { fatal?: boolean }) | undefined, steps: RunSteps): DigestOutcome {
  if (!digest) return { delivered: false, error: steps.post ? 'skipped (--no-digest)' : 'dry-run: not sent' };
  const { fatal: _fatal, ...outcome } = digest;
  return outcome;
}
