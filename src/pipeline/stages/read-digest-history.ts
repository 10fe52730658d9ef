import { readLastDigest, readTeamDetails } from '../../db/digest-history.js';
import type { RunId } from '../../db/runs.js';
import { readSnapshots } from '../../db/snapshots.js';
import type { Plan } from '../../policy/types.js';
import { buildDigestHistory } from '../../run/digest-history.js';
import type { DigestHistory } from '../../run/history.js';
import { guardDb, type RunScope } from '../scope.js';
import type { SourceShape } from '../../db/source.js';

const HISTORY_DAYS = 30;
/** Teams named with their consumers, and consumers per team: what fits a digest a lead forwards. */
const DETAIL_TEAMS = 3;
const DETAIL_CONSUMERS = 5;

/**
 * What the digest shows of the history: the recent snapshots (this run's included), the last
 * digest's, and for the teams in the two worst tiers their most overdue consumers and what
 * changed since. Runs only when a digest is sent.
 */
export async function readDigestHistory(
  scope: RunScope,
  runId: RunId,
  plan: Plan,
  source: Pick<SourceShape, 'deadlineKind'>,
): Promise<DigestHistory> {
  const { request } = scope;
  const worst = new Set(plan.tiers.slice(-2).map((tier) => tier.name));
  const teams = plan.summaries
    .filter((summary) => worst.has(summary.worstTier.name))
    .slice(0, DETAIL_TEAMS)
    .map((summary) => ({ team: summary.team, tier: summary.worstTier.name }));
  return guardDb(scope, async () => {
    const from = new Date(request.now.getTime() - HISTORY_DAYS * 86_400_000);
    const snapshots = await readSnapshots(scope.sql, { from, to: request.now, ...(request.keyId ? { keyId: request.keyId } : {}) });
    const lastDigest = await readLastDigest(scope.sql, runId);
    const details = await readTeamDetails(scope.sql, request.config.source, {
      teams,
      now: request.now,
      since: lastDigest?.asOf ?? null,
      perTeam: DETAIL_CONSUMERS,
      deadlineKind: source.deadlineKind,
      ...(request.keyId ? { keyId: request.keyId } : {}),
    });
    return buildDigestHistory({ snapshots, lastDigest, teams: details });
  });
}
