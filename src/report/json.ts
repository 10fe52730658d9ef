import type { RunResult } from '../run/types.js';

/** The contract's JSON result: one object on stdout, stable field names. */
export function toJsonResult(result: RunResult) {
  const { plan } = result;
  return {
    command: result.command,
    now: result.now.toISOString(),
    outstanding: plan.outstanding,
    byTier: plan.byTier,
    filters: plan.filters,
    unknownStatuses: {
      rows: plan.unknownStatuses.rows,
      overdue: plan.unknownStatuses.overdue,
      statuses: plan.unknownStatuses.statuses,
    },
    warnings: result.warnings,
    teams: plan.teams.map((team) => {
      const delivery = result.deliveries.get(team.team);
      return {
        team: team.team,
        channel: team.route.kind === 'unrouted' ? null : team.route.channel,
        tier: team.tier.name,
        consumers: team.nudges.ids(),
        delivered: delivery?.ok ?? false,
        ...(delivery && !delivery.ok ? { error: delivery.reason } : {}),
        ...(delivery?.ok && delivery.fallbackFrom
          ? { fallback: { channel: delivery.channel, from: delivery.fallbackFrom.channel, reason: delivery.fallbackFrom.reason } }
          : {}),
        ...(team.sending.mode === 'hold' ? { held: { reason: team.sending.reason, until: team.sending.opensAt.toISOString() } } : {}),
        ...(team.sending.mode === 'schedule' ? { scheduled: { postAt: team.sending.postAt.toISOString() } } : {}),
        ...threadFields(result, team.team),
        ...heldField(result, team.team),
        ...evidenceField(result, team.team),
      };
    }),
    // Present only with source.columns.lastSeenOnOldKey mapped: what the old key's use says, over every outstanding consumer.
    ...(plan.evidence
      ? {
          evidence: {
            seenAfterDeadline: plan.evidence.seenAfterDeadline,
            looksDone: plan.evidence.looksDone,
            contradicted: plan.evidence.contradicted,
            unreadable: plan.evidence.unreadable,
          },
        }
      : {}),
    // Present only when the budget held something back / a team was escalated, so v0.1's shape is unchanged otherwise.
    ...(result.held ? { held: result.held.map(({ team, tier, consumers, why }) => ({ team, tier, consumers, why })) } : {}),
    ...(result.escalations ? { escalations: result.escalations.map(escalationJson) } : {}),
    digest: result.digest,
    snapshot: result.snapshot?.map(({ runId: _run, asOf, ...counts }) => ({ ...counts, asOf: asOf.toISOString() })) ?? null,
    exitCode: result.exitCode,
  };
}

/** Per team with a living thread: where it is, and what this run read back from it (threads: "reply"). */
function threadFields(result: RunResult, team: string) {
  const threads = result.threads;
  if (!threads) return {};
  const open = threads.open.get(team);
  const facts = threads.facts.get(team);
  const read = threads.read.get(team) ?? [];
  return {
    thread: open ? { channel: open.channel, ts: open.ts } : null,
    answers: {
      // Whether this run read the thread: "read", "incomplete: …" (read again next run) or "skipped: …".
      harvest: threads.skipped
        ? `skipped: ${threads.skipped}`
        : threads.incomplete.has(team)
          ? `incomplete: ${threads.incomplete.get(team)}`
          : 'read',
      answeredSinceLastNudge: facts?.answeredSinceLastNudge ?? false,
      lastAnswerAt: facts?.lastAnswerAt?.toISOString() ?? null,
      read: read.map((event) => ({
        kind: event.kind,
        consumer: event.consumerId,
        by: event.actor,
        source: event.source,
        ...(event.untilAt ? { until: event.untilAt.toISOString() } : {}),
        ...(event.detail ? { detail: event.detail } : {}),
      })),
    },
  };
}

/** An escalation's instants as ISO text; one held for working hours says until when, as a held team does. */
function escalationJson({ since, held, postAt, ...rest }: NonNullable<RunResult['escalations']>[number]) {
  return {
    ...rest,
    since: since.toISOString(),
    ...(held ? { held: { reason: 'outside-hours', until: held.until.toISOString() } } : {}),
    ...(postAt ? { postAt: postAt.toISOString() } : {}),
  };
}

/** Per team the budget held back this run (why: its week's count against its limit), and its escalation (the contract's `escalated`). */
function heldField(result: RunResult, team: string) {
  const held = result.held?.find((h) => h.team === team);
  const escalated = result.escalations?.find((e) => e.team === team);
  return {
    ...(held ? { held: { why: held.why, sentInWeek: held.sentInWeek, limit: held.limit } } : {}),
    ...(escalated
      ? {
          escalated: {
            step: escalated.step,
            target: escalated.target,
            delivered: escalated.delivered,
            ...(escalated.held ? { held: true } : {}),
          },
        }
      : {}),
  };
}

/**
 * Per team, with source.columns.lastSeenOnOldKey mapped: how many of its outstanding consumers
 * were seen on the revoked key after its deadline, and which look done (quiet for
 * answers.quietFor) or had their claim contradicted (ids, at most a message's worth).
 */
function evidenceField(result: RunResult, team: string) {
  const evidence = result.plan.evidence;
  if (!evidence) return {};
  const byTeam = evidence.byTeam.get(team);
  return {
    evidence: {
      seenAfterDeadline: byTeam?.seenAfterDeadline ?? 0,
      looksDone: byTeam?.looksDone ?? [],
      contradicted: byTeam?.contradicted ?? [],
    },
  };
}
