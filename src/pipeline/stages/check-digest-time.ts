import { latestDailySlot } from '../../calendar/calendar.js';
import { clockMinutes } from '../../config/calendar-schema.js';
import { readLastSweepDigest } from '../../db/digests.js';
import { formatExactInstant as formatInstant } from '../../policy/time.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

export type DigestTime = { due: true } | { due: false; reason: string };

/**
 * digest.at: a sweep sends the digest once a day, on its first run at or after that local time,
 * so an hourly schedule sends one digest a day, not twenty-four. Without digest.at every sweep
 * sends one (v0.1); `chaser digest` always sends. The day's slot is pure (latestDailySlot); only
 * "was one already sent since then" is read from chaser_runs.
 */
export async function checkDigestTime(scope: RunScope): Promise<DigestTime> {
  const { request } = scope;
  const digestAt = request.config.digestAt;
  if (request.command !== 'sweep' || digestAt === undefined) return { due: true };
  const slot = latestDailySlot(digestAt.timezone, clockMinutes(digestAt.at), request.now);
  const sent = await guardDb(scope, () => readLastSweepDigest(scope.sql, requestFilters(request), slot, request.now));
  if (sent === null) return { due: true };
  return { due: false, reason: `not due: already sent at ${formatInstant(sent)} (digest.at ${digestAt.at} ${digestAt.timezone})` };
}
