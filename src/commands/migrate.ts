import { DEFAULT_TABLE } from '../config/defaults.js';
import { defaultConfig } from '../config/load.js';
import { describeDbError, untilFirstContact } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { withDatabase } from '../db/open.js';
import { ExitCode } from '../exit-codes.js';
import { loadCommandConfigIfFound } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

/** `chaser migrate`: needs only the database, so a missing config file falls back to the defaults + DATABASE_URL. */
export async function migrateCommand(ctx: CommandContext, options: CommonOptions): Promise<ExitCode> {
  const loaded = await loadCommandConfigIfFound(ctx, options);
  const config = 'notFound' in loaded ? defaultConfig(ctx.env) : loaded.config;
  // The default inventory table only for the default source.table: a mapped inventory gets none beside it.
  const defaultInventory = config.source.table === DEFAULT_TABLE;
  const { applied, current, createdInventory } = await withDatabase(config.database, ctx.redact, { max: 1 }, (sql) =>
    untilFirstContact(sql, () => migrate(sql, { defaultInventory })).catch((error: unknown) => {
      throw describeDbError(error, ctx.redact) ?? error;
    }),
  );
  if (!options.quiet) {
    ctx.stdout(
      applied.length > 0
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}; schema at version ${current}\n`
        : `schema is current (version ${current}); nothing to apply\n`,
    );
    if (createdInventory)
      ctx.stdout(`created the inventory table ${DEFAULT_TABLE} (source.table is the default); fill it with your consumers\n`);
  }
  return ExitCode.ok;
}
