import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { CommandContext, CommonOptions } from './context.js';

/** The config a command runs with: --config, else CHASER_CONFIG, else searched from the working directory. */
export function loadCommandConfig(ctx: CommandContext, options: CommonOptions): Promise<LoadedConfig> {
  return loadConfig({ ...(options.config ? { path: options.config } : {}), env: ctx.env, cwd: ctx.cwd });
}
