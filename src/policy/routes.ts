import type { TeamRoute } from '../config/types.js';
import type { Route } from './types.js';

/**
 * Where a team's message goes. A team with neither a route nor a fallback is still returned
 * (as unrouted) rather than dropped: the contract says such a team is never dropped silently,
 * so the digest and the exit code must still see it.
 */
export function routeFor(
  team: string,
  teams: Readonly<Record<string, TeamRoute>>,
  fallbackChannel: string | undefined,
): Route {
  // Own properties only: a team called "constructor" or "toString" must not find Object's methods.
  const route = Object.hasOwn(teams, team) ? teams[team] : undefined;
  if (route) {
    return route.mention === undefined
      ? { kind: 'team', channel: route.channel }
      : { kind: 'team', channel: route.channel, mention: route.mention };
  }
  if (fallbackChannel) return { kind: 'fallback', channel: fallbackChannel };
  return { kind: 'unrouted' };
}
