import { lastPerDay, projectFinish } from '../policy/trend.js';
import type { CampaignLine, DigestHistory, Snapshot, TeamDetail } from './history.js';

/** Days of history the sparkline shows. */
export const TREND_DAYS = 14;
const SLOWEST_TEAMS = 3;

/**
 * The digest's view of the history, from values: every snapshot of the recent weeks (this run's
 * included), the snapshots of the last run that delivered a digest, and the worst teams' details.
 */
export function buildDigestHistory(input: {
  snapshots: readonly Snapshot[];
  lastDigest: { asOf: Date; snapshots: readonly Snapshot[] } | null;
  teams: readonly TeamDetail[];
}): DigestHistory {
  const byKey = new Map<string, Snapshot[]>();
  for (const s of input.snapshots) byKey.set(s.keyId, [...(byKey.get(s.keyId) ?? []), s]);
  const before = new Map((input.lastDigest?.snapshots ?? []).map((s) => [s.keyId, s]));
  const campaigns: CampaignLine[] = [];
  for (const [keyId, rows] of byKey) {
    const days = lastPerDay(rows, (s) => s.asOf);
    const latest = days.at(-1);
    if (!latest) continue;
    const previous = before.get(keyId);
    campaigns.push({
      keyId,
      inScope: latest.inScope,
      outstanding: latest.outstanding,
      done: latest.inScope === 0 ? 1 : (latest.confirmed + latest.exempt) / latest.inScope,
      trend: days.slice(-TREND_DAYS).map((d) => d.outstanding),
      change: previous ? latest.outstanding - previous.outstanding : null,
      projection: projectFinish(days.map((d) => ({ at: d.asOf, value: d.outstanding }))),
      slowest: [...latest.topTeams]
        .sort((a, b) => b.maxDaysOverdue - a.maxDaysOverdue || b.outstanding - a.outstanding)
        .slice(0, SLOWEST_TEAMS),
      claimed: latest.claimed,
      disputed: latest.disputed,
    });
  }
  // Most outstanding first: the campaign that needs the lead most leads.
  campaigns.sort((a, b) => b.outstanding - a.outstanding || (a.keyId < b.keyId ? -1 : 1));
  return { since: input.lastDigest?.asOf ?? null, campaigns, teams: [...input.teams] };
}
