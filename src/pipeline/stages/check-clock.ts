import { readDatabaseClock } from '../../db/clock.js';
import { ChaserError, ExitCode } from '../../exit-codes.js';
import { aheadOfClock, CLOCK_SKEW_MS, formatExactInstant } from '../../policy/time.js';
import { guardDb, type RunScope } from '../scope.js';

/**
 * The run's instant against the database's clock. A sweep or digest with a --now in the future
 * would record nudges (or a digest) dated then, holding back every real nudge until that date
 * without a word: refused (64), pointing at dry-run. Every run warns about nudge records that are
 * already dated in the future.
 */
export async function checkClock(scope: RunScope, writes: boolean): Promise<void> {
  const { request, env } = scope;
  const clock = await guardDb(scope, () => readDatabaseClock(scope.sql, CLOCK_SKEW_MS));
  const ahead = writes && request.nowGiven ? aheadOfClock(request.now, clock.now) : null;
  if (ahead !== null) {
    throw new ChaserError(
      ExitCode.usage,
      `--now ${formatExactInstant(request.now)} is ${describeSpan(ahead)} ahead of the database's clock (${formatExactInstant(clock.now)}): ${request.command} would record it as having happened then, holding back the real nudges until that date`,
      [
        `to preview a future instant, run \`chaser dry-run --now ${request.now.toISOString()}\` (it writes nothing); a --now up to ${CLOCK_SKEW_MS / 60_000} minutes ahead is accepted`,
      ],
    );
  }
  if (clock.futureNudges > 0) {
    env.log.warn(
      `${clock.futureNudges} consumer(s) have a nudge recorded in the future (latest ${formatExactInstant(clock.latestFutureNudge!)}, the database's clock says ${formatExactInstant(clock.now)}): ` +
        'they are not nudged again until then (a sweep run with --now ahead?); chaser_nudge_state.last_nudged_at shows which',
    );
  }
}

function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  return hours < 48 ? `${hours} h` : `${Math.round(ms / 86_400_000)} days`;
}
