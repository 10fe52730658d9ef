import { configHash } from '../../config/hash.js';
import { finishRun, startRun, type RunId, type RunPacingRecord } from '../../db/runs.js';
import type { RunRecordOutcome } from '../../run/outcome.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

/** Opens the chaser_runs record before anything is sent, so every logged nudge points at a run. */
export async function openRunRecord(scope: RunScope): Promise<RunId> {
  const { request } = scope;
  const runId = await guardDb(scope, () =>
    startRun(scope.sql, {
      command: request.command,
      now: request.now,
      filters: requestFilters(request),
      ...(scope.env.version ? { version: scope.env.version } : {}),
      configHash: configHash(request.config),
    }),
  );
  scope.env.log.debug('run record opened', { run: runId });
  return runId;
}

/** Closes the record with what the run ended as. */
export async function closeRunRecord(scope: RunScope, runId: RunId, record: RunRecordOutcome, pacing?: RunPacingRecord): Promise<void> {
  // Problems quote Slack's and the network's errors: redacted like everything printed (runs.ts expects it).
  await guardDb(scope, () => finishRun(scope.sql, runId, { ...record, outcome: scope.env.redact(record.outcome) }, pacing));
  scope.env.log.debug('run record closed', {
    run: runId,
    exitCode: record.exitCode,
    nudged: record.nudged,
    digestDelivered: record.digestDelivered,
  });
}
