import type { Sql } from 'postgres';
import type { Config } from '../config/types.js';
import { ChaserError, ExitCode, mostSevere } from '../exit-codes.js';
import { connect, describeDbError, untilFirstContact } from '../db/connect.js';
import { readOverdueConsumers } from '../db/consumers.js';
import { createNudgeRecorder } from '../db/nudge-recorder.js';
import { finishRun, startRun } from '../db/runs.js';
import { assertSchemaCurrent } from '../db/schema-version.js';
import { configHash } from '../config/hash.js';
import { recordResolutions, recordSnapshots, type Snapshot } from '../db/snapshots.js';
import { inspectSource } from '../db/source.js';
import { tryAcquireSweepLock } from '../db/lock.js';
import { createPlanBuilder } from '../policy/plan.js';
import { explainSkipped } from '../policy/explain.js';
import { failOnExceeded, resolveFailOn } from '../policy/fail-on.js';
import type { Plan, TeamPlan } from '../policy/types.js';
import type { Delivery } from '../slack/types.js';
import type { CommandContext, RunCommand } from './context.js';

/** What one run of sweep / digest / dry-run decided and did: the input of every reporter. */
export interface RunResult {
  command: RunCommand;
  now: Date;
  plan: Plan;
  /** Per team with something due: what happened to its message (absent in dry-run). */
  deliveries: Map<string, Delivery>;
  digest: { delivered: boolean; channel?: string; error?: string };
  /** The campaign counts this run wrote (one per key); null for dry-run, which writes nothing. */
  snapshot: Snapshot[] | null;
  exitCode: ExitCode;
  /** Human sentences about why the exit code is not 0 or 3 (failed deliveries, aborted run). */
  problems: string[];
  stats: { queries: number; slackCalls: number };
}

export interface RunRequest {
  command: RunCommand;
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
}

const STEPS: Record<RunCommand, { lock: boolean; record: boolean; nudge: boolean; post: boolean }> = {
  sweep: { lock: true, record: true, nudge: true, post: true },
  digest: { lock: false, record: true, nudge: false, post: true },
  'dry-run': { lock: false, record: false, nudge: false, post: false },
};

/**
 * The one pipeline behind sweep, digest and dry-run: read, plan, then (by command) post and record.
 * Which steps run is a table, not `if (dryRun)` scattered through side effects.
 */
export async function runPipeline(ctx: CommandContext, request: RunRequest): Promise<RunResult> {
  const steps = STEPS[request.command];
  const failOn = resolveFailOn(request.failOn, request.config.tiers);
  if (typeof failOn === 'string') throw new ChaserError(ExitCode.config, failOn);
  const postsDigest = steps.post && request.digest;
  if (postsDigest && !request.config.digest) {
    throw new ChaserError(ExitCode.config, 'digest: no destination configured', [
      'set digest.channel, digest.user or digest.email in the config, or pass --no-digest',
    ]);
  }
  if (steps.post && !request.slackToken) {
    throw new ChaserError(ExitCode.config, 'SLACK_BOT_TOKEN is not set', [
      `set SLACK_BOT_TOKEN to the bot token (xoxb-…) to ${request.command === 'sweep' ? 'send nudges' : 'send the digest'}; \`chaser dry-run\` needs none`,
    ]);
  }

  const stats = { queries: 0, slackCalls: 0 };
  const dbOptions = {
    connectTimeoutSeconds: request.config.database.connectTimeoutSeconds,
    statementTimeoutMs: request.config.database.statementTimeoutMs,
    onQuery: () => {
      stats.queries += 1;
    },
  };
  const sql = connect(request.config.database.url, dbOptions);
  let releaseLock: (() => Promise<void>) | undefined;
  // The sweep lock lives on a pool of its own: if the server drops its connection (failover,
  // pg_terminate_backend, idle_session_timeout) the lock is gone and this pool says so, where the
  // main pool would quietly reconnect and let the sweep go on unlocked. Two connections, not one:
  // postgres.js fetches array types on a connection's first query through the pool, which would
  // wait forever behind the one reserved connection.
  let lockLost = false;
  let lockConnectionClosed = () => {};
  const lockGone = new Promise<void>((resolve) => (lockConnectionClosed = resolve));
  const lockSql = steps.lock
    ? connect(request.config.database.url, {
        ...dbOptions,
        max: 2,
        // Never recycled: on a sweep longer than postgres.js' default lifetime, that close would read as a lost lock.
        maxLifetimeSeconds: null,
        onClose: () => {
          if (releaseLock) lockLost = true;
          lockConnectionClosed();
        },
      })
    : undefined;
  let failed = false;
  const assertLockHeld = () => {
    if (lockLost) throw lockLostError();
  };
  try {
    const slack = steps.post ? await openSlack(ctx, request, stats) : undefined;
    await guardDb(ctx, () => untilFirstContact(sql, () => assertSchemaCurrent(sql)));
    const source = await guardDb(ctx, () => inspectSource(sql, request.config.source));
    if (steps.lock) {
      const lock = await guardDb(ctx, () => (lockSql ? untilFirstContact(lockSql, () => tryAcquireSweepLock(lockSql)) : tryAcquireSweepLock(sql)));
      if (!lock) {
        throw new ChaserError(ExitCode.locked, 'another chaser sweep is running against this database; nothing was done', [
          'try again later (a CronJob should use concurrencyPolicy: Forbid)',
        ]);
      }
      releaseLock = lock.release;
    }
    const filters = { ...(request.teams?.length ? { teams: request.teams } : {}), ...(request.keyId ? { keyId: request.keyId } : {}) };
    const runId = steps.record
      ? await guardDb(ctx, () => startRun(sql, { command: request.command, now: request.now, filters, version: ctx.version, configHash: configHash(request.config) }))
      : undefined;

    const plan = await guardDb(ctx, () => readPlan(sql, request, source));
    for (const skipped of plan.skipped) {
      ctx.log.warn(explainSkipped(skipped, request.config.source.columns), { reason: skipped.reason });
    }

    const deliveries = new Map<string, Delivery>();
    const problems: string[] = [];
    const codes: ExitCode[] = [];
    let digest: RunResult['digest'] & { fatal?: boolean } = { delivered: false, error: steps.post ? 'skipped (--no-digest)' : 'dry-run: not sent' };

    if (slack && steps.nudge) {
      const recorder = createNudgeRecorder(sql, { runId: runId!, now: request.now });
      const report = await slack.deliverNudges(plan.teams, async (team, accepted) => {
        await recorder.record({
          team: team.team,
          channel: accepted.channel,
          messageTs: accepted.ts,
          ids: team.nudges.ids(),
          tiers: team.nudges.tiers(),
        });
        // Recorded first (the message is out), then no further post without the lock.
        assertLockHeld();
      }).catch((error: unknown) => {
        throw describeDbError(error, ctx.redact, 'while recording a delivered nudge; that team may be nudged again on the next run');
      });
      for (const [team, delivery] of report.results) deliveries.set(team, delivery);
      assertLockHeld();
      if (report.fatal) {
        codes.push(ExitCode.unavailable);
        problems.push(report.fatal.message);
      }
    }
    const unrouted = new Set<string>();
    for (const team of plan.teams) {
      if (team.route.kind === 'unrouted') {
        unrouted.add(team.team);
        deliveries.set(team.team, { ok: false, reason: 'unrouted: no channel for this team and no fallbackChannel' });
        ctx.log.warn(
          `team ${JSON.stringify(team.team)} has no channel and there is no fallbackChannel: ${team.dueCount} consumer(s) not nudged (listed in the digest)`,
        );
      }
    }
    const failedTeams = [...deliveries.entries()].filter(([team, d]) => !d.ok && !unrouted.has(team));
    if (failedTeams.length > 0 && steps.nudge) {
      codes.push(ExitCode.deliveryFailed);
      problems.push(`${failedTeams.length} team message(s) not delivered: ${failedTeams.map(([t, d]) => `${t} (${d.ok ? '' : d.reason})`).slice(0, 10).join(', ')}`);
    }

    // The campaign's history: after the nudges are recorded (so resolutions see this run's nudges),
    // before the digest (which shows the history including this run).
    const snapshot = runId !== undefined ? await guardDb(ctx, () => recordCampaignHistory(sql, request, source, runId)) : null;

    if (slack && postsDigest && !ctx.signal.aborted && !codes.includes(ExitCode.unavailable)) {
      digest = await slack.deliverDigest(plan, deliveries, request.command);
      if (!digest.delivered) {
        codes.push(digest.fatal ? ExitCode.unavailable : ExitCode.deliveryFailed);
        problems.push(`the digest could not be delivered to ${digest.channel ?? 'its recipient'}: ${digest.error}`);
      }
    }

    if (failOnExceeded(plan, request.failOn)) codes.push(ExitCode.outstanding);
    const exitCode = mostSevere(codes);
    if (runId !== undefined) {
      const nudged = plan.teams.reduce((n, t) => n + (deliveries.get(t.team)?.ok ? t.nudges.count : 0), 0);
      await guardDb(ctx, () =>
        finishRun(sql, runId, {
          outstanding: plan.outstanding,
          nudged,
          teamsMessaged: [...deliveries.values()].filter((d) => d.ok).length,
          teamsFailed: failedTeams.length,
          digestDelivered: digest.delivered,
          exitCode: ctx.signal.aborted ? null : exitCode,
          // Problems quote Slack's and the network's errors: redacted like everything printed (runs.ts expects it).
          outcome: ctx.signal.aborted ? 'interrupted' : problems.length > 0 ? ctx.redact(problems.join('; ')) : 'ok',
        }),
      );
    }
    stats.slackCalls = slack?.calls() ?? 0;
    ctx.log.debug('run stats', { queries: stats.queries, slackCalls: stats.slackCalls, exitCode });
    const { fatal: _fatal, ...digestResult } = digest;
    return { command: request.command, now: request.now, plan, deliveries, digest: digestResult, snapshot, exitCode, problems, stats };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    const release = releaseLock;
    releaseLock = undefined; // from here on a closing lock connection is ours, not a loss
    // No unlock for a lost lock: postgres.js must not be handed a query on a connection the server
    // closed (it crashes the process from a timer instead of rejecting). The unlock also races the
    // close, for a connection the server is closing right now, which answers neither way.
    if (release && !lockLost) await Promise.race([release().catch(() => {}), lockGone]);
    // Failing, nothing of ours is in flight, and a connection the server broke can keep a graceful
    // end waiting for an answer that never comes: close at once instead of stalling the exit.
    const timeout = failed || lockLost ? 0 : 5;
    await Promise.all([sql.end({ timeout }).catch(() => {}), lockSql?.end({ timeout }).catch(() => {})]);
  }
}

function lockLostError(): ChaserError {
  return new ChaserError(
    ExitCode.unavailable,
    'the connection to Postgres holding the sweep lock was closed mid-run: stopped before the next post, so two sweeps cannot overlap',
    ['fix: the server restarted, failed over or ended the session; run chaser again (nudges already recorded stay recorded, the rest are sent then)'],
  );
}

async function readPlan(sql: Sql, request: RunRequest, source: { hasSnoozedUntil: boolean; idIsUnique: boolean }): Promise<Plan> {
  const builder = createPlanBuilder(
    {
      tiers: request.config.tiers,
      teams: request.config.teams,
      ...(request.config.fallbackChannel ? { fallbackChannel: request.config.fallbackChannel } : {}),
      pendingStatuses: request.config.source.pendingStatuses,
      idsUnique: source.idIsUnique,
    },
    request.now,
  );
  for await (const rows of readOverdueConsumers(sql, request.config.source, {
    now: request.now,
    hasSnoozedUntil: source.hasSnoozedUntil,
    ...(request.teams?.length ? { teams: request.teams } : {}),
    ...(request.keyId ? { keyId: request.keyId } : {}),
  })) {
    builder.addRows(rows);
  }
  return builder.finish();
}

/** Snapshot per campaign and the resolutions this run is the first to see: two set-based writes. */
async function recordCampaignHistory(sql: Sql, request: RunRequest, source: { hasSnoozedUntil: boolean }, runId: string): Promise<Snapshot[]> {
  await recordResolutions(sql, request.config.source, { runId, now: request.now });
  return recordSnapshots(sql, request.config.source, {
    runId,
    command: request.command,
    now: request.now,
    tiers: request.config.tiers,
    hasSnoozedUntil: source.hasSnoozedUntil,
    ...(request.keyId ? { keyId: request.keyId } : {}),
  });
}

/** Database errors a user can cause become exit 69 with a sentence; anything else is a bug. */
async function guardDb<T>(ctx: CommandContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ChaserError) throw error;
    throw describeDbError(error, ctx.redact);
  }
}

async function openSlack(ctx: CommandContext, request: RunRequest, stats: { slackCalls: number }) {
  const { openSlackSession } = await import('./slack-session.js');
  return openSlackSession(ctx, request, stats);
}

export type { TeamPlan };
