import { ChaserError, ExitCode } from '../exit-codes.js';
import { configFromObject } from '../config/load.js';
import { connect, describeDbError, untilFirstContact } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { passwordOf } from '../redact.js';
import { loadCommandConfig } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

/** `chaser migrate`: needs only the database, so a missing config file falls back to the defaults + DATABASE_URL. */
export async function migrateCommand(ctx: CommandContext, options: CommonOptions): Promise<ExitCode> {
  const config = await loadCommandConfig(ctx, options)
    .then((loaded) => loaded.config)
    .catch((error: unknown) => {
      if (!options.config && !ctx.env['CHASER_CONFIG'] && error instanceof ChaserError && /no chaser config found/.test(error.message)) {
        const base = configFromObject({}, 'defaults');
        return { ...base, database: { ...base.database, ...(ctx.env['DATABASE_URL'] ? { url: ctx.env['DATABASE_URL'] } : {}) } };
      }
      throw error;
    });
  passwordOf(config.database.url).forEach(ctx.redact.add);
  const sql = connect(config.database.url, {
    connectTimeoutSeconds: config.database.connectTimeoutSeconds,
    statementTimeoutMs: config.database.statementTimeoutMs,
    max: 1,
  });
  try {
    const { applied, current } = await untilFirstContact(sql, () => migrate(sql)).catch((error: unknown) => {
      throw error instanceof ChaserError ? error : describeDbError(error, ctx.redact);
    });
    if (!options.quiet) {
      ctx.stdout(
        applied.length > 0
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}; schema at version ${current}\n`
          : `schema is current (version ${current}); nothing to apply\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}
