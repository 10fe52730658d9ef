import { latestDailySlot } from '../../calendar/calendar.js';
import { clockMinutes } from '../../config/calendar-schema.js';
import { readLastSweepDigest } from '../../db/digests.js';
import { lastSweepDigestAt, type RunId } from '../../db/runs.js';
import { decideDigestDue } from '../../policy/cadence.js';
import { formatExactInstant } from '../../policy/time.js';
import { formatMinuteUtc } from '../../slack/render/wording.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

/**
 * A sweep sends its digest at most once per digest.every (a CronJob's retry or a second sweep
 * the same day does not send it again), or with digest.at once a day, on its first run at or
 * after that local time (so an hourly schedule sends one a day, not twenty-four); `chaser digest`
 * always sends. Both count only sweeps with the same filters. Returns why it is not due, or
 * undefined when it is.
 */
export async function checkDigestDue(scope: RunScope, runId: RunId | undefined): Promise<string | undefined> {
  const { request } = scope;
  if (request.command !== 'sweep' || runId === undefined) return undefined;
  const reason = request.config.digestAt ? await notDueToday(scope, request.config.digestAt) : await notDueThisPeriod(scope, runId);
  if (reason !== undefined) scope.env.log.info(`digest ${reason}`);
  return reason;
}

async function notDueThisPeriod(scope: RunScope, runId: RunId): Promise<string | undefined> {
  const { request } = scope;
  const last = await guardDb(scope, () => lastSweepDigestAt(scope.sql, requestFilters(request), runId));
  const period = request.config.digestPeriod;
  const decision = decideDigestDue(last, period.everyMs, request.now);
  if (decision.due) return undefined;
  return `not due: a sweep sent it as of ${formatMinuteUtc(last!)}; digest.every is ${period.every}, next from ${formatMinuteUtc(decision.nextAt)} (\`chaser digest\` sends one now)`;
}

/** digest.at: the day's slot is pure (latestDailySlot); only "was one already sent since then" is read. */
async function notDueToday(scope: RunScope, digestAt: { at: string; timezone: string }): Promise<string | undefined> {
  const { request } = scope;
  const slot = latestDailySlot(digestAt.timezone, clockMinutes(digestAt.at), request.now);
  const sent = await guardDb(scope, () => readLastSweepDigest(scope.sql, requestFilters(request), slot, request.now));
  if (sent === null) return undefined;
  return `not due: already sent at ${formatExactInstant(sent)} (digest.at ${digestAt.at} ${digestAt.timezone}; \`chaser digest\` sends one now)`;
}
