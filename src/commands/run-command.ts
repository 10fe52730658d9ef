import type { Config } from '../config/types.js';
import { renderRunSummary, writeDryRun } from '../report/human.js';
import { toJsonResult } from '../report/json.js';
import { loadCommandConfig } from './command-config.js';
import type { ExitCode } from '../exit-codes.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { RunMode, RunResult } from '../run/types.js';
import type { CommandContext, RunOptions } from './context.js';

/** sweep, digest and dry-run: resolve config and flags once, run the pipeline, print the result. */
export async function runCommand(ctx: CommandContext, command: RunMode, options: RunOptions): Promise<ExitCode> {
  const now = options.now ?? new Date();
  if (options.demo) return runDemo(ctx, options, now);
  const { config } = await loadCommandConfig(ctx, options);
  return runAndPrint(ctx, command, config, now, options);
}

/** The pipeline with what the flags and the environment ask for, then its report. */
async function runAndPrint(ctx: CommandContext, command: RunMode, config: Config, now: Date, options: RunOptions): Promise<ExitCode> {
  const result = await runPipeline(ctx, {
    command,
    config,
    now,
    failOn: options.failOn ?? 'outstanding',
    ...(options.team ? { teams: options.team } : {}),
    ...(options.key ? { keyId: options.key } : {}),
    digest: options.digest !== false,
    ...(ctx.env['SLACK_BOT_TOKEN'] ? { slackToken: ctx.env['SLACK_BOT_TOKEN'] } : {}),
    ...(ctx.env['SLACK_API_URL'] ? { slackApiUrl: ctx.env['SLACK_API_URL'] } : {}),
    ...progressReporter(ctx, options),
    ...(options.demo ? { demo: true } : {}),
  });
  print(ctx, options, result, config);
  return result.exitCode;
}

/**
 * `dry-run --demo`: an embedded Postgres seeded with a sample campaign; no config, Postgres or
 * Slack. A dry-run never opens Slack, so the token and progress runAndPrint may pass go unused.
 */
async function runDemo(ctx: CommandContext, options: RunOptions, now: Date): Promise<ExitCode> {
  const [{ startEmbeddedPostgres }, { migrate }, { seedDemo }, { demoConfigInput }, { configFromObject }, { withDatabase }] =
    await Promise.all([
      import('../db/embedded.js'),
      import('../db/migrate.js'),
      import('../demo/seed.js'),
      import('../demo/config.js'),
      import('../config/load.js'),
      import('../db/open.js'),
    ]);
  if (!options.quiet && !options.json) ctx.log.info('starting the embedded demo database (PGlite)…');
  const embedded = await startEmbeddedPostgres();
  try {
    await withDatabase({ url: embedded.url, connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 }, ctx.redact, { max: 1 }, async (sql) => {
      await migrate(sql);
      await seedDemo(sql, now);
    });
    const base = configFromObject(demoConfigInput, 'the built-in demo config');
    const config: Config = { ...base, database: { ...base.database, url: embedded.url } };
    return await runAndPrint(ctx, 'dry-run', config, now, options);
  } finally {
    await embedded.stop();
  }
}

function print(ctx: CommandContext, options: RunOptions, result: RunResult, config: Config): void {
  for (const line of result.problems) ctx.log.error(line);
  if (options.json) {
    ctx.stdout(`${JSON.stringify(toJsonResult(result), null, 2)}\n`);
    return;
  }
  if (options.quiet) return;
  if (result.command === 'dry-run') writeDryRun(result, mentionLabels(config), ctx.stdout);
  else ctx.stdout(renderRunSummary(result));
}

/** Mentions print as @team in the terminal preview: chaser knows the team, not Slack's handle. */
function mentionLabels(config: Config): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [team, route] of Object.entries(config.teams)) if (route.mention) labels[route.mention] = `@${team}`;
  return labels;
}

/** teams sent / total on stderr, only for a person watching a terminal. */
function progressReporter(ctx: CommandContext, options: RunOptions) {
  if (!ctx.stderrIsTTY || options.json || options.quiet) return {};
  return {
    onProgress: (settled: number, total: number) => {
      ctx.stderr(`\r\x1b[2Kchaser: sent ${settled}/${total} team messages`);
      if (settled === total) ctx.stderr('\r\x1b[2K');
    },
  };
}

