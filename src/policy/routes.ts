import type { TeamRoute, Tier } from '../config/types.js';
import type { Route } from './types.js';

/**
 * Where a team's message goes. A team with neither a route nor a fallback is still returned
 * (as unrouted) rather than dropped: the contract says such a team is never dropped silently,
 * so the digest and the exit code must still see it.
 */
export function routeFor(team: string, teams: Readonly<Record<string, TeamRoute>>, fallbackChannel: string | undefined): Route {
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

/**
 * Configured teams that a `mention: "team"` tier would ping, but that have no `mention`: their
 * urgent messages ping nobody. Empty when no tier mentions the team.
 */
export function teamsWithoutMention(
  tiers: readonly Tier[],
  teams: Readonly<Record<string, TeamRoute>>,
): { tiers: string[]; teams: string[] } {
  const mentioning = tiers.filter((tier) => tier.mention === 'team').map((tier) => tier.name);
  if (mentioning.length === 0) return { tiers: [], teams: [] };
  const silent = Object.entries(teams)
    .filter(([, route]) => route.mention === undefined)
    .map(([team]) => team)
    .sort();
  return { tiers: silent.length === 0 ? [] : mentioning, teams: silent };
}
