import { ChaserError, ExitCode } from '../exit-codes.js';
import { defaultConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { describeDbError, untilFirstContact, type Sql } from '../db/connect.js';
import { withDatabase } from '../db/open.js';
import { assertSchemaCurrent } from '../db/schema-version.js';
import { loadCommandConfigIfFound } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

export interface HistoryOptions extends CommonOptions {
  key?: string;
  from?: Date;
  to?: Date;
}

/**
 * report and evidence: a checked --from/--to, the config (or, with no config file, the defaults +
 * DATABASE_URL, as for migrate), a pool on a current schema; `use` runs with it and the pool is
 * closed however it ends. Database errors a user can cause become exit 69 with a sentence.
 */
export async function withHistoryDb<T>(
  ctx: CommandContext,
  options: HistoryOptions,
  use: (sql: Sql, config: Config) => Promise<T>,
): Promise<T> {
  if (options.from && options.to && options.from.getTime() > options.to.getTime()) {
    throw new ChaserError(ExitCode.usage, `--from (${options.from.toISOString()}) is after --to (${options.to.toISOString()})`, [
      'fix: swap them, or leave one out',
    ]);
  }
  const loaded = await loadCommandConfigIfFound(ctx, options);
  const config = 'notFound' in loaded ? defaultConfig(ctx.env) : loaded.config;
  return withDatabase(config.database, ctx.redact, { max: 2 }, async (sql) => {
    try {
      await untilFirstContact(sql, () => assertSchemaCurrent(sql));
      return await use(sql, config);
    } catch (error) {
      throw describeDbError(error, ctx.redact) ?? error;
    }
  });
}
