import type { ConnectOptions } from '../db/connect.js';
import type { StopSignal } from '../exit-codes.js';
import type { HeldSweepLock } from '../db/lock.js';
import { openDatabase } from '../db/open.js';
import { failOnExceeded } from '../policy/fail-on.js';
import { decideOutcome } from '../run/outcome.js';
import type { DigestOutcome, RunResult, RunStats, RunThreads } from '../run/types.js';
import { guardDb, type RunEnv, type RunRequest, type RunScope } from './scope.js';
import { applySendingWindow } from './stages/apply-sending-window.js';
import { checkClock } from './stages/check-clock.js';
import { checkDatabase } from './stages/check-database.js';
import { checkDigestDue } from './stages/check-digest-due.js';
import { checkFilters } from './stages/check-filters.js';
import { checkRequest, type RunSteps } from './stages/check-request.js';
import { connectSlack } from './stages/connect-slack.js';
import { deliverDigest } from './stages/deliver-digest.js';
import { deliverDisputes } from './stages/deliver-disputes.js';
import { deliverNudges, noNudges } from './stages/deliver-nudges.js';
import { deliverThreaded } from './stages/deliver-threads.js';
import { harvestAndNudge } from './stages/harvest-and-nudge.js';
import { answerSettingsOf, harvestAnswers, noHarvest, type Harvest } from './stages/harvest-answers.js';
import { groupByConsumer, teamAnswerFacts } from '../policy/answers/effects.js';
import { readAckEvents, readOpenThreads } from '../db/threads.js';
import { readDisputePosts } from '../db/disputes.js';
import { withoutResolvedDisputes } from '../policy/answers/disputes.js';
import type { PlanAnswers } from '../policy/types.js';
import { markUnrouted } from './stages/mark-unrouted.js';
import { deliverEscalations, unsentEscalations } from './stages/deliver-escalations.js';
import { planPacing } from './stages/plan-escalations.js';
import type { EscalationOutcome } from '../run/types.js';
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
    const threads = request.config.threads === 'reply';
    // Without chaser's tables (a dry-run before migrate) there is no thread and no answer to read.
    const readThreads = threads && memory;
    // dry-run with a token reads the threads too (read-only calls), to show what a sweep would record.
    // Only when there is a thread to read: a dry-run with nothing open asks Slack nothing.
    const preview =
      readThreads && request.command === 'dry-run' && request.slackToken && (await hasOpenThreads(scope))
        ? await previewSlack(scope)
        : undefined;
    // A sweep with threads nudges each team once its own thread is read (harvest-and-nudge.ts).
    const waves =
      slack && steps.nudge && readThreads
        ? await harvestAndNudge(scope, { slack, source, runId, lock, planAnswers: (read) => planAnswers(scope, read) })
        : undefined;
    const harvest =
      waves?.harvest ??
      (readThreads ? await readAnswers(scope, preview?.slack ? { slack: preview.slack, runId, record: false } : undefined) : noHarvest());
    const fullPlan =
      waves?.fullPlan ?? (await readPlan(scope, source, { memory, answers: readThreads ? planAnswers(scope, harvest) : undefined }));
    const campaign = request.keyId ?? '';
    // Budget holds and this run's escalations, from every outstanding team's activity (one query).
    // Without chaser's tables there is no activity to read: nothing is held or escalated.
    const pacing = waves?.pacing ?? (await planPacing(scope, fullPlan, campaign, { memory, source, runId }));
    const plan = pacing.deliver;
    const window = waves?.window ?? applySendingWindow(plan);
    for (const team of window.held) {
      if (team.sending.mode === 'hold') {
        env.log.info(`held ${team.team}: outside working hours`, {
          opensAt: team.sending.opensAt.toISOString(),
          consumers: team.nudges.count,
        });
      }
    }
    const nudges =
      waves?.nudges ??
      (slack && steps.nudge
        ? threads
          ? await deliverThreaded(scope, { slack, plan, window, runId, lock, harvest })
          : await deliverNudges(scope, { slack, teams: [...window.send, ...window.schedule], runId, lock, answered: plan.answered })
        : noNudges());
    // Routing disputes: each new one posted to the fallbackChannel once; one whose owner changed ends.
    if (slack && steps.nudge && readThreads && !nudges.fatal) await deliverDisputes(scope, { slack, plan: fullPlan, harvest, runId });
    const unrouted = markUnrouted(scope, plan, nudges.deliveries);
    // Not after a signal, nor when the credentials just proved unable to post.
    const sendDigest = slack && steps.digest && !digestNotDue && !env.signal.aborted && !nudges.fatal;
    const harvested = (slack && steps.nudge) || preview?.slack !== undefined;
    const escalations: EscalationOutcome[] =
      slack && steps.nudge && !nudges.fatal
        ? await deliverEscalations(scope, { slack, plan, escalations: pacing.escalations, runId, campaign })
        : unsentEscalations(pacing.escalations, steps.nudge ? 'not sent' : `${request.command}: not sent (only sweep escalates)`);
    const snapshot = runId !== undefined ? await recordHistory(scope, runId, source, fullPlan) : null;
    const runThreads = threads
      ? threadsOutcome(harvest, harvested && memory ? undefined : (preview?.skipped ?? skippedWhy(scope, Boolean(slack), memory)))
      : undefined;
    const history = sendDigest && runId !== undefined ? await readDigestHistory(scope, runId, plan, source) : undefined;
    const digest = sendDigest
      ? await deliverDigest(scope, slack, plan, nudges.deliveries, {
          threads: runThreads,
          history,
          pacing: { held: pacing.held, escalations },
        })
      : undefined;
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
    if (runId !== undefined) {
      await closeRunRecord(scope, runId, outcome.record, { held: pacing.held, escalated: escalations.filter((e) => e.delivered).length });
    }

    env.log.debug('run stats', { queries: stats.queries, slackCalls: stats.slackCalls, exitCode: outcome.exitCode });
    return {
      command: request.command,
      now: request.now,
      plan: fullPlan,
      deliveries: nudges.deliveries,
      digest: digestOutcome(digest, steps, env.signal, nudges.fatal, digestNotDue),
      snapshot,
      exitCode: outcome.exitCode,
      problems: outcome.problems,
      warnings: scope.warnings,
      stats,
      ...(runThreads ? { threads: runThreads } : {}),
      ...(pacing.held.length > 0 ? { held: pacing.held } : {}),
      ...(escalations.length > 0 ? { escalations } : {}),
    };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await lock?.release({ failed });
    await db.close({ failed: failed || lock?.lost === true });
  }
}

/**
 * The answers this run plans with when it does not nudge (a sweep with threads harvests in
 * harvestAndNudge): dry-run with a token reads the threads without recording; digest, and dry-run
 * without one, use what earlier sweeps recorded.
 */
async function readAnswers(
  scope: RunScope,
  harvesting: { slack: NonNullable<Awaited<ReturnType<typeof connectSlack>>>; runId: string | undefined; record: boolean } | undefined,
): Promise<Harvest> {
  if (harvesting) {
    const harvest = await harvestAnswers(scope, harvesting);
    // A preview plans with what it read as if it were recorded (a re-read answer only repeats a fact).
    if (!harvesting.record) harvest.events = [...harvest.events, ...[...harvest.recorded.values()].flat()];
    return harvest;
  }
  const harvest = noHarvest();
  harvest.campaign = scope.request.keyId ?? '';
  // Nothing read from Slack, but the open threads still say when each team was last nudged (the digest's answered/silent).
  harvest.threads = await guardDb(scope, () => readOpenThreads(scope.sql, harvest.campaign, scope.request.teams));
  harvest.events = await guardDb(scope, () => readAckEvents(scope.sql, harvest.campaign, scope.request.teams));
  harvest.disputes = await guardDb(scope, () => readDisputePosts(scope.sql, harvest.campaign, scope.request.teams));
  return harvest;
}

async function hasOpenThreads(scope: RunScope): Promise<boolean> {
  const open = await guardDb(scope, () => readOpenThreads(scope.sql, scope.request.keyId ?? '', scope.request.teams));
  return open.size > 0;
}

/** A read-only Slack session for dry-run's harvest; a token Slack refuses skips the harvest instead of the preview. */
async function previewSlack(scope: RunScope): Promise<{ slack?: Awaited<ReturnType<typeof connectSlack>>; skipped?: string }> {
  try {
    return { slack: await connectSlack(scope) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    scope.env.log.warn(`dry-run: the threads were not read (${why})`);
    return { skipped: `Slack refused the token: ${why}` };
  }
}

function skippedWhy(scope: RunScope, slack: boolean, memory: boolean): string {
  if (!memory) return "chaser's tables are absent (run chaser migrate): no thread to read";
  if (scope.request.command === 'dry-run') return 'no SLACK_BOT_TOKEN: only answers already recorded are used';
  return slack ? `${scope.request.command}: only sweep reads the threads` : 'no Slack session';
}

function threadsOutcome(harvest: Harvest, skipped: string | undefined): RunThreads {
  const lastNudged = new Map([...harvest.threads].map(([team, t]) => [team, t.lastNudgedAt]));
  return {
    open: new Map([...harvest.threads].map(([team, t]) => [team, { channel: t.channel, ts: t.parentTs }])),
    facts: teamAnswerFacts(harvest.events, lastNudged),
    read: harvest.recorded,
    ...(skipped ? { skipped } : {}),
    incomplete: harvest.incomplete,
    calls: harvest.calls,
  };
}

function planAnswers(scope: RunScope, harvest: Harvest): PlanAnswers | undefined {
  if (harvest.events.length === 0) return undefined;
  // A dispute the lead resolved (✅ on its fallback post) holds nothing any more.
  return { byConsumer: groupByConsumer(withoutResolvedDisputes(harvest.events, harvest.disputes)), settings: answerSettingsOf(scope) };
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
