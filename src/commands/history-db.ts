import { ChaserError } from '../exit-codes.js';
import type { Config } from '../config/types.js';
import { connect, describeDbError, untilFirstContact, type Sql } from '../db/connect.js';
import { assertSchemaCurrent } from '../db/schema-version.js';
import { passwordOf } from '../redact.js';
import { loadDatabaseConfig } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

export interface HistoryOptions extends CommonOptions {
  key?: string;
  from?: Date;
  to?: Date;
}

/**
 * report and evidence: the config (or the defaults + DATABASE_URL), a checked --from/--to, a
 * pool on a migrated schema; `use` runs with it and the pool is closed however it ends.
 * Database errors a user can cause become exit 69 with a sentence.
 */
export async function withHistoryDb<T>(ctx: CommandContext, options: HistoryOptions, use: (sql: Sql, config: Config) => Promise<T>): Promise<T> {
  if (options.from && options.to && options.from.getTime() > options.to.getTime()) {
    throw new ChaserError(64, `--from (${options.from.toISOString()}) is after --to (${options.to.toISOString()})`, ['fix: swap them, or leave one out']);
  }
  const config = await loadDatabaseConfig(ctx, options);
  passwordOf(config.database.url).forEach(ctx.redact.add);
  const sql = connect(config.database.url, {
    connectTimeoutSeconds: config.database.connectTimeoutSeconds,
    statementTimeoutMs: config.database.statementTimeoutMs,
    max: 2,
  });
  let failed = false;
  try {
    await untilFirstContact(sql, () => assertSchemaCurrent(sql)).catch((error: unknown) => {
      throw error instanceof ChaserError ? error : describeDbError(error, ctx.redact);
    });
    return await use(sql, config).catch((error: unknown) => {
      throw error instanceof ChaserError || !isDbError(error) ? error : describeDbError(error, ctx.redact);
    });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await sql.end({ timeout: failed ? 0 : 5 }).catch(() => {});
  }
}

function isDbError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'PostgresError' || 'code' in error);
}
