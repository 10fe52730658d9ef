import { lastSweepDigestAt, type RunId } from '../../db/runs.js';
import { decideDigestDue } from '../../policy/cadence.js';
import { formatMinuteUtc } from '../../slack/render/wording.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

/**
 * A sweep sends its digest at most once per digest.every (a CronJob's retry or a second sweep
 * the same day does not send it again); `chaser digest` always sends. Returns why it is not
 * due, or undefined when it is.
 */
export async function checkDigestDue(scope: RunScope, runId: RunId | undefined): Promise<string | undefined> {
  const { request } = scope;
  if (request.command !== 'sweep' || runId === undefined) return undefined;
  const last = await guardDb(scope, () => lastSweepDigestAt(scope.sql, requestFilters(request), runId));
  const period = request.config.digestPeriod;
  const decision = decideDigestDue(last, period.everyMs, request.now);
  if (decision.due) return undefined;
  const reason = `not due: a sweep sent it as of ${formatMinuteUtc(last!)}; digest.every is ${period.every}, next from ${formatMinuteUtc(decision.nextAt)} (\`chaser digest\` sends one now)`;
  scope.env.log.info(`digest ${reason}`);
  return reason;
}
