import type { ConnectOptions } from '../db/connect.js';
import type { StopSignal } from '../exit-codes.js';
import type { HeldSweepLock } from '../db/lock.js';
import { openDatabase } from '../db/open.js';
import { failOnExceeded } from '../policy/fail-on.js';
import { decideOutcome } from '../run/outcome.js';
import type { DigestOutcome, RunResult, RunStats, RunThreads } from '../run/types.js';
import { guardDb, type RunEnv, type RunRequest, type RunScope } from './scope.js';
import { checkDatabase } from './stages/check-database.js';
import { checkRequest, type RunSteps } from './stages/check-request.js';
import { connectSlack } from './stages/connect-slack.js';
import { deliverDigest } from './stages/deliver-digest.js';
import { deliverNudges, noNudges } from './stages/deliver-nudges.js';
import { deliverThreadNudges } from './stages/deliver-threads.js';
import { answerSettingsOf, harvestAnswers, noHarvest, type Harvest } from './stages/harvest-answers.js';
import { groupByConsumer, teamAnswerFacts } from '../policy/answers/effects.js';
import { targetLabel } from '../policy/escalation-plan.js';
import { readAckEvents } from '../db/threads.js';
import type { PlanAnswers } from '../policy/types.js';
import { markUnrouted } from './stages/mark-unrouted.js';
import { deliverEscalations } from './stages/deliver-escalations.js';
import { planPacing } from './stages/plan-escalations.js';
import type { EscalationOutcome } from '../run/types.js';
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
  for (const warning of steps.warnings) env.log.warn(warning);
  const stats: RunStats = { queries: 0, slackCalls: 0 };
  const pool = poolOptions(request, stats);
  const db = openDatabase(request.config.database, env.redact, { onQuery: pool.onQuery });
  const scope: RunScope = { env, request, stats, sql: db.sql };
  let lock: HeldSweepLock | undefined;
  let failed = false;
  try {
    const slack = steps.post ? await connectSlack(scope) : undefined;
    const source = await checkDatabase(scope);
    if (steps.lock) lock = await takeSweepLock(scope, pool);
    const runId = steps.record ? await openRunRecord(scope) : undefined;
    const threads = request.config.threads === 'reply';
    const harvest = threads ? await readAnswers(scope, slack && steps.nudge ? { slack, runId } : undefined) : noHarvest();
    const fullPlan = await readPlan(scope, source, threads ? planAnswers(scope, harvest) : undefined);
    const campaign = request.keyId ?? '';
    // Budget holds and this run's escalations, from every outstanding team's activity (one query).
    const pacing = await planPacing(scope, fullPlan, campaign);
    const plan = pacing.deliver;
    const nudges =
      slack && steps.nudge
        ? threads
          ? await deliverThreadNudges(scope, { slack, plan, runId, lock, harvest })
          : await deliverNudges(scope, { slack, plan, runId, lock })
        : noNudges();
    const unrouted = markUnrouted(scope, plan, nudges.deliveries);
    const permalinks = new Map([...harvest.threads].map(([team, t]) => [team, t.permalink]));
    const escalations: EscalationOutcome[] =
      slack && steps.nudge && !nudges.fatal
        ? await deliverEscalations(scope, { slack, plan, escalations: pacing.escalations, runId, campaign, permalinks })
        : pacing.escalations.map((e) => ({
            team: e.team,
            step: e.step,
            target: targetLabel(e.target),
            ignored: e.silence.ignored,
            since: e.silence.since,
            delivered: false,
            error: steps.nudge ? 'not sent' : `${request.command}: not sent (only sweep escalates)`,
          }));
    // Not after a signal, nor when the credentials just proved unable to post.
    const sendDigest = slack && steps.digest && !env.signal.aborted && !nudges.fatal;
    const runThreads = threads ? threadsOutcome(harvest, slack && steps.nudge ? undefined : skippedWhy(scope, Boolean(slack))) : undefined;
    const paced = { held: pacing.held, escalations };
    const digest = sendDigest ? await deliverDigest(scope, slack, plan, nudges.deliveries, runThreads, paced) : undefined;
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
      digest: digestOutcome(digest, steps, env.signal, nudges.fatal),
      exitCode: outcome.exitCode,
      problems: outcome.problems,
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
 * The answers this run plans with: a sweep harvests the threads first (and records what it read);
 * digest and dry-run use what earlier sweeps recorded.
 */
async function readAnswers(scope: RunScope, harvesting: { slack: NonNullable<Awaited<ReturnType<typeof connectSlack>>>; runId: string | undefined } | undefined): Promise<Harvest> {
  if (harvesting) return harvestAnswers(scope, { ...harvesting, record: true });
  const harvest = noHarvest();
  harvest.campaign = scope.request.keyId ?? '';
  harvest.events = await guardDb(scope, () => readAckEvents(scope.sql, harvest.campaign, scope.request.teams));
  return harvest;
}

function skippedWhy(scope: RunScope, slack: boolean): string {
  if (scope.request.command === 'dry-run') return 'dry-run: answers already recorded are used; no thread was read';
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
  return { byConsumer: groupByConsumer(harvest.events), settings: answerSettingsOf(scope) };
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
): DigestOutcome {
  if (!digest) {
    if (!steps.post) return { delivered: false, error: 'dry-run: not sent' };
    if (!steps.digest) return { delivered: false, error: 'skipped (--no-digest)' };
    const stopped = stopSignal(signal);
    if (stopped) return { delivered: false, error: `not sent: interrupted by ${stopped}` };
    if (nudgeFatal) return { delivered: false, error: 'not sent: Slack refused the credentials (see the problems)' };
    return { delivered: false, error: 'not sent' };
  }
  const { fatal: _fatal, ...outcome } = digest;
  return outcome;
}
