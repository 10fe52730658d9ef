import { untilFirstContact } from '../../db/connect.js';
import { assertSchemaCurrent } from '../../db/schema-version.js';
import { inspectSource, type SourceShape } from '../../db/source.js';
import { guardDb, type RunScope } from '../scope.js';

/** The schema is current and the source table has what the config maps: else stop before reading. */
export async function checkDatabase(scope: RunScope): Promise<SourceShape> {
  const { sql, request } = scope;
  await guardDb(scope, () => untilFirstContact(sql, () => assertSchemaCurrent(sql)));
  return guardDb(scope, () => inspectSource(sql, request.config.source));
}
