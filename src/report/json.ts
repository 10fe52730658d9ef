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
      };
    }),
    digest: result.digest,
    snapshot:
      result.snapshot?.map(({ runId: _run, asOf, ...counts }) => ({ ...counts, asOf: asOf.toISOString() })) ?? null,
    exitCode: result.exitCode,
  };
}
