import { describeTarget, untilFirstContact } from '../../db/connect.js';
import { assertSchemaCurrent } from '../../db/schema-version.js';
import { inspectSource, type SourceShape } from '../../db/source.js';
import { guardDb, warn, type RunScope } from '../scope.js';

export interface CheckedDatabase {
  source: SourceShape;
  /** False when chaser's tables are absent (a read-only look before `chaser migrate`): no nudge state to read. */
  memory: boolean;
}

/**
 * The schema is current and the source table has what the config maps: else stop before reading.
 * `allowNoSchema` (a run that writes nothing: dry-run): a database where `migrate` never ran is
 * read with chaser's memory taken as empty, and the run says so.
 */
export async function checkDatabase(scope: RunScope, { allowNoSchema }: { allowNoSchema: boolean }): Promise<CheckedDatabase> {
  const { sql, request } = scope;
  const schema = await guardDb(scope, () => untilFirstContact(sql, () => assertSchemaCurrent(sql, { allowAbsent: allowNoSchema })));
  if (schema.absent) {
    warn(
      scope,
      "chaser's tables are not in this database (`chaser migrate` never ran): this dry-run treats chaser's memory as empty " +
        '(nobody nudged yet); sweep and digest need `chaser migrate` first',
    );
  }
  const source = await guardDb(scope, () => inspectSource(sql, request.config.source));
  scope.env.log.debug('database ready', {
    database: describeTarget(sql),
    table: request.config.source.table,
    snoozedUntil: source.hasSnoozedUntil,
  });
  return { source, memory: !schema.absent };
}
