import { ChaserError, ExitCode, mostSevere } from '../exit-codes.js';
import type { Config } from '../config/types.js';
import { withDatabase } from '../db/open.js';
import { fail, pass, quotedList, skip, warn, type Check } from '../doctor/checks.js';
import { checkCalendars } from '../doctor/calendar-checks.js';
import { checkDatabase } from '../doctor/database-checks.js';
import { formatChecks } from '../doctor/format.js';
import { teamsWithoutMention } from '../policy/routes.js';
import { loadCommandConfig } from './command-config.js';
import type { CommandContext, CommonOptions } from './context.js';

/**
 * `chaser doctor`: the "test, then turn it on" step. Config, then database, then Slack, each a
 * pass/fail line with the fix; exit 0 when everything passes, else the code of the worst failure.
 * Read-only: it posts nothing and writes nothing.
 */
export async function doctorCommand(ctx: CommandContext, options: CommonOptions): Promise<ExitCode> {
  const checks: Check[] = [];
  const config = await checkConfig(ctx, options, checks);
  if (config) {
    // Doctor is the quick look: it waits at most 10 s for a host, whatever the sweep would.
    const target = { ...config.database, connectTimeoutSeconds: Math.min(config.database.connectTimeoutSeconds, 10) };
    checks.push(...(await withDatabase(target, ctx.redact, { max: 1 }, (sql) => checkDatabase(sql, config, new Date(), ctx.redact))));
    checks.push(...(await checkSlackSection(ctx, config)));
  } else {
    checks.push(skip('database', 'database checks', 'skipped until the config is valid'));
    checks.push(skip('slack', 'slack checks', 'skipped until the config is valid'));
  }
  const code = mostSevere(checks.flatMap((c) => (c.status === 'fail' && c.code !== undefined ? [c.code] : [])));
  if (!options.quiet || code !== ExitCode.ok) ctx.stdout(formatChecks(checks));
  if (!options.quiet)
    ctx.stdout(
      code === ExitCode.ok
        ? 'all checks passed: chaser is ready to sweep\n'
        : `exit ${code}: fix the ✗ lines above, then run chaser doctor again\n`,
    );
  return code;
}

async function checkConfig(ctx: CommandContext, options: CommonOptions, checks: Check[]): Promise<Config | undefined> {
  try {
    const { config, filepath } = await loadCommandConfig(ctx, options);
    checks.push(pass('config', 'config valid', filepath));
    const teams = Object.keys(config.teams).length;
    checks.push(
      teams > 0 || config.fallbackChannel
        ? pass(
            'config',
            'teams routed',
            `${teams} team(s)${config.fallbackChannel ? `, fallback ${config.fallbackChannel}` : ', no fallbackChannel'}`,
          )
        : fail(
            'config',
            'teams routed',
            ExitCode.config,
            'no team has a channel and there is no fallbackChannel',
            'add teams.<owner_team>.channel entries or set fallbackChannel',
          ),
    );
    if (config.threads === 'reply') {
      const done = config.answers.reactions.done;
      checks.push(
        pass(
          'config',
          'routing disputes',
          config.fallbackChannel
            ? `posted to fallbackChannel ${config.fallbackChannel} once each; settled by a :${done}: there or a new owner in the inventory`
            : 'listed in the digest only (no fallbackChannel); set fallbackChannel to post each one there',
        ),
      );
    }
    checks.push(mentionCheck(config));
    checks.push(
      config.digest
        ? pass('config', 'digest destination', Object.values(config.digest)[0])
        : fail('config', 'digest destination', ExitCode.config, 'none configured', 'set digest.channel, digest.user or digest.email'),
    );
    checks.push(...checkCalendars(config, new Date()));
    return config;
  } catch (error) {
    if (!(error instanceof ChaserError)) throw error;
    checks.push(fail('config', 'config valid', error.exitCode, error.message, error.details.join('\n')));
    return undefined;
  }
}

function mentionCheck(config: Config): Check {
  const { tiers, teams } = teamsWithoutMention(config.tiers, config.teams);
  const mentioning = config.tiers.filter((tier) => tier.mention === 'team').length;
  if (teams.length === 0) {
    return pass(
      'config',
      'team mentions',
      mentioning === 0 ? 'no tier mentions the team' : 'every team has a mention for the tiers that ping it',
    );
  }
  return warn(
    'config',
    'team mentions',
    `tier(s) ${quotedList(tiers)} mention the team, but ${teams.length} team(s) have no mention, so their messages ping nobody: ${quotedList(teams)}`,
    'add teams.<team>.mention (a user group id S… or a user id U…), or set those tiers\' mention to "here" or "none"',
  );
}

async function checkSlackSection(ctx: CommandContext, config: Config): Promise<Check[]> {
  const token = ctx.env['SLACK_BOT_TOKEN'];
  if (!token) {
    return [
      fail(
        'slack',
        'token present',
        ExitCode.config,
        'SLACK_BOT_TOKEN is not set',
        'export SLACK_BOT_TOKEN=xoxb-… (the bot token of the Slack app)',
      ),
    ];
  }
  const [{ createSlackClients }, { checkSlack }] = await Promise.all([
    import('../slack/deliver/client.js'),
    import('../doctor/slack-checks.js'),
  ]);
  const { read: client } = createSlackClients({
    token,
    ...(ctx.env['SLACK_API_URL'] ? { apiUrl: ctx.env['SLACK_API_URL'] } : {}),
    slack: { ...config.slack, retries: 0 },
    log: ctx.log,
  });
  return checkSlack(client, config);
}
