import type { Plan } from '../../policy/types.js';
import type { Delivery } from '../../run/types.js';
import type { RunScope } from '../scope.js';

/**
 * Teams with no channel and no fallbackChannel: their delivery says so (the digest lists them),
 * and a warning names each. Returns their keys, which the outcome does not count as failures.
 */
export function markUnrouted(scope: RunScope, plan: Plan, deliveries: Map<string, Delivery>): Set<string> {
  const unrouted = new Set<string>();
  for (const team of plan.teams) {
    if (team.route.kind !== 'unrouted') continue;
    unrouted.add(team.team);
    deliveries.set(team.team, { ok: false, reason: 'unrouted: no channel for this team and no fallbackChannel' });
    scope.env.log.warn(
      `team ${JSON.stringify(team.team)} has no channel and there is no fallbackChannel: ${team.dueCount} consumer(s) not nudged (listed in the digest)`,
    );
  }
  return unrouted;
}
