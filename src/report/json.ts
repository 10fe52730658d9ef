import type { RunResult } from '../run/types.js';

/** The contract's JSON result: one object on stdout, stable field names. */
export function toJsonResult(result: RunResult) {
  const { plan } = result;
  return {
    command: result.command,
    now: result.now.toISOString(),
    outstanding: plan.outstanding,
    byTier: plan.byTier,
    teams: plan.teams.map((team) => {
      const delivery = result.deliveries.get(team.team);
      return {
        team: team.team,
        channel: team.route.kind === 'unrouted' ? null : team.route.channel,
        tier: team.tier.name,
        consumers: team.nudges.ids(),
        delivered: delivery?.ok ?? false,
        ...(delivery && !delivery.ok ? { error: delivery.reason } : {}),
      };
    }),
    digest: result.digest,
    exitCode: result.exitCode,
  };
}
