import { assertFiltersMatch } from '../../db/filters.js';
import { guardDb, requestFilters, type RunScope } from '../scope.js';

/**
 * A --team or --key that matches nothing is a usage error (64) naming what exists, before the
 * lock and the run record: a typo must not pass the gate as "nothing outstanding".
 */
export async function checkFilters(scope: RunScope): Promise<void> {
  const { sql, request } = scope;
  await guardDb(scope, () => assertFiltersMatch(sql, request.config, requestFilters(request)));
}
