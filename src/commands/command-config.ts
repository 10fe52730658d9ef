import { loadConfig, loadConfigIfFound, type LoadedConfig, type NoConfigFound } from '../config/load.js';
import type { CommandContext, CommonOptions } from './context.js';

/** The config a command runs with: --config, else CHASER_CONFIG, else searched from the working directory. */
export function loadCommandConfig(ctx: CommandContext, options: CommonOptions): Promise<LoadedConfig> {
  return loadConfig(loadOptions(ctx, options));
}

/** The same, for a command that can run without a config file: "none found" is a value. */
export function loadCommandConfigIfFound(ctx: CommandContext, options: CommonOptions): Promise<LoadedConfig | NoConfigFound> {
  return loadConfigIfFound(loadOptions(ctx, options));
}

function loadOptions(ctx: CommandContext, options: CommonOptions) {
  return { ...(options.config ? { path: options.config } : {}), env: ctx.env, cwd: ctx.cwd };
}
