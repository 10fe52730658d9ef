import { holdSweepLock, type HeldSweepLock } from '../../db/lock.js';
import { ChaserError, ExitCode } from '../../exit-codes.js';
import { guardDb, type RunScope } from '../scope.js';

/** Takes the sweep lock, or stops with exit 75 when another sweep holds it. */
export async function takeSweepLock(scope: RunScope, poolOptions: Parameters<typeof holdSweepLock>[1]): Promise<HeldSweepLock> {
  const lock = await guardDb(scope, () => holdSweepLock(scope.request.config.database.url, poolOptions));
  if (!lock) {
    throw new ChaserError(ExitCode.locked, 'another chaser sweep is running against this database; nothing was done', [
      'try again later (a CronJob should use concurrencyPolicy: Forbid)',
    ]);
  }
  return lock;
}
