import { stat } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { cosmiconfig, type CosmiconfigResult } from 'cosmiconfig';
import { ChaserError, ExitCode } from '../exit-codes.js';
import { createRedactor } from '../redact.js';
import { isPostgresUrl } from './identifiers.js';
import { validateConfig } from './schema.js';
import type { Config } from './types.js';

/**
 * The only I/O of the config layer: find the file, parse it, validate it, apply the environment.
 * Precedence, written once here: flags ▸ environment ▸ config file ▸ defaults (the defaults are
 * applied by the schema; the commands apply their flags on top of the returned config).
 */

export interface LoadConfigOptions {
  /** From `--config`; wins over CHASER_CONFIG. Relative to `cwd`. */
  path?: string;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file the config came from. */
  filepath: string;
}

/** Neither --config nor CHASER_CONFIG, and no config file in the working directory. */
export interface NoConfigFound {
  notFound: true;
  cwd: string;
}

const MODULE_NAME = 'chaser';

/** The contract's list, dedicated files first: a `chaser` key in package.json is the last resort. */
export const CONFIG_SEARCH_PLACES: readonly string[] = [
  'chaser.config.json',
  '.chaserrc',
  '.chaserrc.json',
  '.chaserrc.yaml',
  '.chaserrc.yml',
  'chaser.config.js',
  'chaser.config.mjs',
  'chaser.config.cjs',
  'chaser.config.ts',
  'package.json',
];

/** An empty variable (`DATABASE_URL=` in an env file) means "not set", not "set to nothing". */
function envValue(env: LoadConfigOptions['env'], name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function explorer() {
  return cosmiconfig(MODULE_NAME, {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    // Only the working directory: a cron job must not pick up a stray file from a parent directory.
    searchStrategy: 'none',
    // An empty config file is reported, not skipped in favour of "no config found".
    ignoreEmptySearchPlaces: false,
    cache: false,
  });
}

// Parser messages quote the file (code frames, "while parsing '…'" snippets), and the file may
// hold a database URL with a password; a snippet can cut the URL mid-password, where no pattern
// would recognise it. So only the parser's reason and the line number are kept.
const CODE_FRAME = /^\s*(>\s*)?\d+\s*\||^\s*\||^\s*-*\^\s*$/;
const MARKED_LINE = /^\s*>\s*(\d+)\s*\|/m;
const redact = createRedactor([]);

/** "line 3: Expected ',' or '}' after property value in JSON at position 58", without any text of the file. */
export function parserReason(message: string): string {
  // The code frame is coloured when FORCE_COLOR is set (as on many CI runners): without the
  // escapes stripped first its lines are not recognised, and the file's first line is echoed.
  // cosmiconfig prefixes "JSON Error in <path>:"; our message names the path already.
  const body = stripVTControlCharacters(message).replace(/^(JSON|YAML|TypeScript) Error in [^\n]*:[ \t]*\n/, '');
  const reasonLine = body.split('\n').find((line) => line.trim() !== '' && !CODE_FRAME.test(line)) ?? 'the file could not be parsed';
  const reason =
    reasonLine
      .replace(/ while parsing .*$/, '')
      // V8 quotes the text around the fault: `Unexpected token 'h', ..."url": hunt"... is not valid JSON`.
      .replace(/(, )?(\.\.\.)?".*" ?(\.\.\.)? is not valid JSON$/, '')
      .trim() || 'not valid JSON';
  const line = MARKED_LINE.exec(body)?.[1];
  return redact(line !== undefined && !/\(\d+:\d+\)/.test(reason) ? `line ${line}: ${reason}` : reason);
}

function parseFailure(filepath: string, error: unknown): ChaserError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('No loader specified')) {
    return new ChaserError(ExitCode.config, `cannot read config ${filepath}: unsupported file type`, [
      'chaser reads .json, .yaml, .yml, .js, .mjs, .cjs, .ts and extensionless (JSON or YAML) files; convert or rename it',
    ]);
  }
  return new ChaserError(ExitCode.config, `cannot read config ${filepath}`, [
    parserReason(message),
    'fix the file (chaser.config.example.json shows every key), or pass another with --config',
  ]);
}

async function readExplicit(filepath: string, origin: string): Promise<NonNullable<CosmiconfigResult>> {
  try {
    const info = await stat(filepath);
    if (info.isDirectory()) {
      throw new ChaserError(ExitCode.config, `config path ${filepath} (from ${origin}) is a directory`, [
        `point ${origin} at the config file itself, e.g. ${path.join(filepath, 'chaser.config.json')}`,
      ]);
    }
  } catch (error) {
    if (error instanceof ChaserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ChaserError(ExitCode.config, `config file not found: ${filepath} (from ${origin})`, [
        `check the path given by ${origin}, or create the file from chaser.config.example.json`,
      ]);
    }
    throw new ChaserError(ExitCode.config, `cannot read config ${filepath} (from ${origin}): ${code ?? String(error)}`, [
      'check that the file is readable by the user chaser runs as',
    ]);
  }
  let result: CosmiconfigResult;
  try {
    result = await explorer().load(filepath);
  } catch (error) {
    throw parseFailure(filepath, error);
  }
  if (result !== null) return result;
  // load() returns null for a package.json without a "chaser" key, and for a file holding `null`.
  if (path.basename(filepath) === 'package.json') {
    throw new ChaserError(ExitCode.config, `no "${MODULE_NAME}" key in ${filepath} (from ${origin})`, [
      `add a "${MODULE_NAME}" key to it, or point ${origin} at a chaser config file`,
    ]);
  }
  return { filepath, config: null };
}

async function search(cwd: string): Promise<CosmiconfigResult> {
  let result: CosmiconfigResult;
  try {
    result = await explorer().search(cwd);
  } catch (error) {
    const filepath = (error as { filepath?: unknown }).filepath;
    throw parseFailure(typeof filepath === 'string' ? filepath : cwd, error);
  }
  return result;
}

/** `--config` wins over CHASER_CONFIG; neither means "search the working directory". */
function explicitPath(options: LoadConfigOptions): { path: string; origin: string } | undefined {
  if (options.path !== undefined) return { path: options.path, origin: '--config' };
  const fromEnv = envValue(options.env, 'CHASER_CONFIG');
  return fromEnv === undefined ? undefined : { path: fromEnv, origin: 'CHASER_CONFIG' };
}

/** Finds, reads and validates the config; every problem becomes a ChaserError with exit code 78. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const loaded = await loadConfigIfFound(options);
  if ('notFound' in loaded) {
    throw new ChaserError(ExitCode.config, `no chaser config found in ${loaded.cwd}`, [
      'create chaser.config.json (start from chaser.config.example.json) or pass --config <path>',
    ]);
  }
  return loaded;
}

/**
 * loadConfig for a command that can do without a config file (migrate): "none found" is a value.
 * A path that was given but is missing, or a file that is broken, is still an error.
 */
export async function loadConfigIfFound(options: LoadConfigOptions): Promise<LoadedConfig | NoConfigFound> {
  const explicit = explicitPath(options);
  const found = explicit ? await readExplicit(path.resolve(options.cwd, explicit.path), explicit.origin) : await search(options.cwd);
  if (found === null) return { notFound: true, cwd: options.cwd };

  if (found.isEmpty === true || found.config === undefined) {
    throw new ChaserError(ExitCode.config, `config file ${found.filepath} is empty`, [
      'write {} to use every default, or start from chaser.config.example.json',
    ]);
  }

  const result = validateConfig(found.config);
  const databaseUrl = envValue(options.env, 'DATABASE_URL');
  const envErrors =
    databaseUrl !== undefined && !isPostgresUrl(databaseUrl)
      ? ['DATABASE_URL (environment): expected a postgres:// URL (postgres://user@host:5432/dbname); fix or unset it']
      : [];
  if (!result.ok || envErrors.length > 0) {
    throw new ChaserError(ExitCode.config, `invalid config in ${found.filepath}`, [...(result.ok ? [] : result.errors), ...envErrors]);
  }
  return { config: withEnvironment(result.config, databaseUrl), filepath: found.filepath };
}

/** The defaults alone, with the environment's say (DATABASE_URL): a config for a command run without a file. */
export function defaultConfig(env: LoadConfigOptions['env']): Config {
  const base = configFromObject({}, 'defaults');
  const databaseUrl = env['DATABASE_URL'];
  return databaseUrl ? { ...base, database: { ...base.database, url: databaseUrl } } : base;
}

/** The environment's one say in the config: DATABASE_URL replaces database.url. */
function withEnvironment(config: Config, databaseUrl: string | undefined): Config {
  if (databaseUrl === undefined) return config;
  return { ...config, database: { ...config.database, url: databaseUrl } };
}

/**
 * Validates a config written in code (the demo, defaults for `migrate`) exactly like a file.
 * `source` names it in the error ("invalid config in the built-in demo config").
 */
export function configFromObject(raw: unknown, source: string): Config {
  const result = validateConfig(raw);
  if (!result.ok) throw new ChaserError(ExitCode.config, `invalid config in ${source}`, result.errors);
  return result.config;
}
