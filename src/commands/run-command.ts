import type { Config } from '../config/types.js';
import type { TemplateSource } from '../db/embedded-template.js';
import { printableJson } from '../printable.js';
import { renderRunSummary, writeDryRun } from '../report/human.js';
import { toJsonResult } from '../report/json.js';
import { statusVocabulary } from '../slack/render/team-message.js';
import { loadCommandConfig } from './command-config.js';
import type { ExitCode } from '../exit-codes.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { RunMode, RunResult } from '../run/types.js';
import type { CommandContext, RunOptions } from './context.js';

/** sweep, digest and dry-run: resolve config and flags once, run the pipeline, print the result. */
export async function runCommand(ctx: CommandContext, command: RunMode, options: RunOptions): Promise<ExitCode> {
  const now = options.now ?? new Date();
  if (options.demo) return runDemo(ctx, options, now);
  const { config, filepath } = await loadCommandConfig(ctx, options);
  ctx.log.debug('config loaded', { path: filepath });
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
    ...(options.now ? { nowGiven: true } : {}),
  });
  print(ctx, options, result, config);
  return result.exitCode;
}

/**
 * `dry-run --demo`: an embedded Postgres seeded with a sample campaign; no config, Postgres or
 * Slack. A dry-run never opens Slack, so the token and progress runAndPrint may pass go unused.
 */
async function runDemo(ctx: CommandContext, options: RunOptions, now: Date): Promise<ExitCode> {
  const [{ startEmbeddedPostgres }, { seedDemo }, { demoConfigInput }, { configFromObject }, { withDatabase }] = await Promise.all([
    import('../db/embedded.js'),
    import('../demo/seed.js'),
    import('../demo/config.js'),
    import('../config/load.js'),
    import('../db/open.js'),
  ]);
  if (!options.quiet && !options.json) ctx.log.info('starting the embedded demo database (PGlite)…');
  // Boots from the migrated template (cached after the first run); only the sample rows, dated
  // relative to `now`, are written here.
  const embedded = await startEmbeddedPostgres({ env: ctx.env });
  reportTemplate(ctx, embedded.template);
  try {
    await withDatabase(
      { url: embedded.url, connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 },
      ctx.redact,
      { max: 1 },
      async (sql) => {
        await seedDemo(sql, now);
      },
    );
    const base = configFromObject(demoConfigInput, 'the built-in demo config');
    const config: Config = { ...base, database: { ...base.database, url: embedded.url } };
    return await runAndPrint(ctx, 'dry-run', config, now, options);
  } finally {
    await embedded.stop();
  }
}

/** A replaced template is worth a warning (someone or something altered the cache); the rest is -v detail. */
function reportTemplate(ctx: CommandContext, source: TemplateSource): void {
  if ('replaced' in source && source.replaced) ctx.log.warn(`the cached demo database was ${source.replaced}: rebuilt it`);
  if (source.kind === 'uncached')
    ctx.log.info(`demo database built in memory, not cached (${source.reason}): the next run builds it again`);
  else ctx.log.debug(`demo database ${source.kind === 'cache' ? 'loaded from' : 'built and cached in'} ${source.path}`);
}

function print(ctx: CommandContext, options: RunOptions, result: RunResult, config: Config): void {
  for (const line of result.problems) ctx.log.error(line);
  if (options.json) {
    // printableJson: ids are given exactly as stored, escaped so that none can drive a terminal.
    ctx.stdout(`${printableJson(toJsonResult(result), 2)}\n`);
    return;
  }
  if (options.quiet) return;
  if (result.command === 'dry-run') writeDryRun(result, mentionLabels(config), ctx.stdout, statusVocabulary(config.source));
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
