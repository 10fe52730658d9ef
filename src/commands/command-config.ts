import { ChaserError } from '../exit-codes.js';
import { configFromObject, loadConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { CommandContext, CommonOptions } from './context.js';

/** The config a command runs with: --config, else CHASER_CONFIG, else searched from the working directory. */
export function loadCommandConfig(ctx: CommandContext, options: CommonOptions): Promise<LoadedConfig> {
  return loadConfig({ ...(options.config ? { path: options.config } : {}), env: ctx.env, cwd: ctx.cwd });
}

/**
 * For commands that need only the database (migrate, report, evidence): a missing config file,
 * when none was asked for, falls back to the defaults + DATABASE_URL. A config that exists is
 * still validated (an invalid one is exit 78).
 */
export async function loadDatabaseConfig(ctx: CommandContext, options: CommonOptions): Promise<Config> {
  return loadCommandConfig(ctx, options)
    .then((loaded) => loaded.config)
    .catch((error: unknown) => {
      if (!options.config && !ctx.env['CHASER_CONFIG'] && error instanceof ChaserError && /no chaser config found/.test(error.message)) {
        const base = configFromObject({}, 'defaults');
        return { ...base, database: { ...base.database, ...(ctx.env['DATABASE_URL'] ? { url: ctx.env['DATABASE_URL'] } : {}) } };
      }
      throw error;
    });
}
