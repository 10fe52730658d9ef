import { inHistoryTransaction, recordResolutions, recordSnapshots } from '../../db/snapshots.js';
import type { RunId } from '../../db/runs.js';
import type { SourceShape } from '../../db/source.js';
import type { Snapshot } from '../../run/history.js';
import type { Plan } from '../../policy/types.js';
import { guardDb, type RunScope } from '../scope.js';

/**
 * The campaign's history, after the nudges are recorded (so resolutions see this run's nudges)
 * and before the digest (which shows the history including this run): the resolutions this run
 * is the first to see, then one snapshot per campaign. Set-based; sweep and digest only. The
 * snapshot's claimed and disputed are the plan's (what the policy derived from the answers in
 * this run), so the snapshot and the digest cannot disagree.
 */
export async function recordHistory(
  scope: RunScope,
  runId: RunId,
  source: Pick<SourceShape, 'hasSnoozedUntil' | 'deadlineKind' | 'snoozedUntilKind'>,
  plan: Pick<Plan, 'answerCounts'>,
): Promise<Snapshot[]> {
  const { request } = scope;
  // The inventory's own vocabulary: the first done value means moved, the others exempt (as the team message says).
  const [moved, ...exempt] = request.config.source.doneStatuses;
  const statuses = { doneStatuses: moved === undefined ? [] : [moved], exemptStatuses: exempt };
  return guardDb(scope, () =>
    inHistoryTransaction(scope.sql, async (sql) => {
      await recordResolutions(sql, request.config.source, { runId, now: request.now, deadlineKind: source.deadlineKind, ...statuses });
      return recordSnapshots(sql, request.config.source, {
        runId,
        command: request.command,
        now: request.now,
        tiers: request.config.tiers,
        hasSnoozedUntil: source.hasSnoozedUntil,
        deadlineKind: source.deadlineKind,
        snoozedUntilKind: source.snoozedUntilKind,
        ...statuses,
        ...(plan.answerCounts ? { answerCounts: plan.answerCounts } : {}),
        ...(request.keyId ? { keyId: request.keyId } : {}),
      });
    }),
  );
}
