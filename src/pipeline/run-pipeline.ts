import type { ConnectOptions } from '../db/connect.js';
import type { StopSignal } from '../exit-codes.js';
import type { HeldSweepLock } from '../db/lock.js';
import { openDatabase } from '../db/open.js';
import { failOnExceeded } from '../policy/fail-on.js';
import { decideOutcome } from '../run/outcome.js';
import type { DigestOutcome, RunResult, RunStats } from '../run/types.js';
import type { RunEnv, RunRequest, RunScope } from './scope.js';
import { applySendingWindow } from './stages/apply-sending-window.js';
import { checkClock } from './stages/check-clock.js';
import { checkDatabase } from './stages/check-database.js';
import { checkDigestDue } from './stages/check-digest-due.js';
import { checkFilters } from './stages/check-filters.js';
import { checkRequest, type RunSteps } from './stages/check-request.js';
import { connectSlack } from './stages/connect-slack.js';
import { deliverDigest } from './stages/deliver-digest.js';
import { deliverNudges, noNudges } from './stages/deliver-nudges.js';
import { markUnrouted } from './stages/mark-unrouted.js';
import { readPlan } from './stages/read-plan.js';
import { reconcileScheduled } from './stages/reconcile-scheduled.js';
import { readDigestHistory } from './stages/read-digest-history.js';
import { recordHistory } from './stages/record-history.js';
import { closeRunRecord, openRunRecord } from './stages/run-record.js';
import { takeSweepLock } from './stages/take-sweep-lock.js';

/**
 * The one pipeline behind sweep, digest and dry-run: check, read, plan, deliver, decide, record.
 * Each line is a stage (src/pipeline/stages/, one file each); which ones run is the steps table
 * in check-request.ts. ARCHITECTURE.md says how to add one.
 */
export async function runPipeline(env: RunEnv, request: RunRequest): Promise<RunResult> {
  const steps = checkRequest(request);
  for (const warning of steps.warnings) env.log.warn(warning);
  const stats: RunStats = { queries: 0, slackCalls: 0 };
  const pool = poolOptions(request, stats);
  const db = openDatabase(request.config.database, env.redact, { onQuery: pool.onQuery });
  const scope: RunScope = { env, request, stats, sql: db.sql, warnings: [] };
  let lock: HeldSweepLock | undefined;
  let failed = false;
  try {
    const slack = steps.post ? await connectSlack(scope) : undefined;
    const { source, memory } = await checkDatabase(scope, { allowNoSchema: !steps.record });
    if (memory) await checkClock(scope, steps.record);
    await checkFilters(scope);
    if (steps.lock) lock = await takeSweepLock(scope, pool);
    const runId = steps.record ? await openRunRecord(scope) : undefined;
    const digestNotDue = steps.digest ? await checkDigestDue(scope, runId) : undefined;
    if (slack && steps.nudge) await reconcileScheduled(scope, slack);
    const plan = await readPlan(scope, source, { memory });
    const window = applySendingWindow(plan);
    for (const team of window.held) {
      if (team.sending.mode === 'hold') {
        env.log.info(`held ${team.team}: outside working hours`, { opensAt: team.sending.opensAt.toISOString(), consumers: team.nudges.count });
      }
    }
    const outgoing = [...window.send, ...window.schedule];
    const nudges = slack && steps.nudge ? await deliverNudges(scope, { slack, teams: outgoing, runId, lock }) : noNudges();
    const unrouted = markUnrouted(scope, plan, nudges.deliveries);
    const snapshot = runId !== undefined ? await recordHistory(scope, runId, source) : null;
    // Not after a signal, nor when the credentials just proved unable to post.
    const sendDigest = slack && steps.digest && !digestNotDue && !env.signal.aborted && !nudges.fatal;
    const history = sendDigest && runId !== undefined ? await readDigestHistory(scope, runId, plan, source) : undefined;
    const digest = sendDigest ? await deliverDigest(scope, slack, plan, nudges.deliveries, history) : undefined;
    const outcome = decideOutcome({
      plan,
      deliveries: nudges.deliveries,
      unrouted,
      nudges: steps.nudge,
      ...(nudges.fatal ? { nudgeFatal: nudges.fatal } : {}),
      ...(digest ? { digest } : {}),
      outstandingExceeded: failOnExceeded(plan, request.failOn),
      ...(stopSignal(env.signal) ? { interrupted: stopSignal(env.signal)! } : {}),
    });
    if (runId !== undefined) await closeRunRecord(scope, runId, outcome.record);

    env.log.debug('run stats', { queries: stats.queries, slackCalls: stats.slackCalls, exitCode: outcome.exitCode });
    return {
      command: request.command,
      now: request.now,
      plan,
      deliveries: nudges.deliveries,
      digest: digestOutcome(digest, steps, env.signal, nudges.fatal, digestNotDue),
      snapshot,
      exitCode: outcome.exitCode,
      problems: outcome.problems,
      warnings: scope.warnings,
      stats,
    };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await lock?.release({ failed });
    await db.close({ failed: failed || lock?.lost === true });
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

/** Which signal stopped the run (cli.ts aborts with its name), if one did. */
function stopSignal(signal: AbortSignal): StopSignal | undefined {
  if (!signal.aborted) return undefined;
  return signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
}

/** The digest as the result reports it: what happened, or why it was not tried. */
function digestOutcome(
  digest: (DigestOutcome & { fatal?: boolean }) | undefined,
  steps: RunSteps,
  signal: AbortSignal,
  nudgeFatal: { message: string } | undefined,
  notDue: string | undefined,
): DigestOutcome {
  if (!digest) {
    if (!steps.post) return { delivered: false, error: 'dry-run: not sent' };
    if (!steps.digest) return { delivered: false, error: 'skipped (--no-digest)' };
    if (notDue) return { delivered: false, error: notDue };
    const stopped = stopSignal(signal);
    if (stopped) return { delivered: false, error: `not sent: interrupted by ${stopped}` };
    if (nudgeFatal) return { delivered: false, error: 'not sent: Slack refused the credentials (see the problems)' };
    return { delivered: false, error: 'not sent' };
  }
  const { fatal: _fatal, ...outcome } = digest;
  return outcome;
}
