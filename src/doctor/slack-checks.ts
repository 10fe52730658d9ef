import type { WebClient } from '@slack/web-api';
import type { Config } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { resolveDigestRecipient } from '../slack/deliver/digest-recipient.js';
import { classifySlackError, describeFailure } from '../slack/deliver/failures.js';
import { FEATURE_SCOPES, featuresFrom } from '../slack/deliver/harvest.js';
import { fail, pass, skip, warn, type Check } from './checks.js';

interface ScopeNeed {
  scope: string;
  why: string;
  required: boolean;
}

/** The bot scopes this config needs, and why; the README's scope table says the same. */
export function neededScopes(config: Config): ScopeNeed[] {
  const needs: ScopeNeed[] = [
    { scope: 'chat:write', why: 'post nudges and the digest', required: true },
    { scope: 'channels:join', why: 'join a public channel it was not invited to', required: false },
    { scope: 'channels:read', why: 'let doctor check public channels', required: false },
    { scope: 'groups:read', why: 'let doctor check private channels', required: false },
  ];
  if (config.digest && !('channel' in config.digest)) needs.push({ scope: 'im:write', why: 'send the digest as a DM', required: true });
  else if (escalatesToAUser(config)) needs.push({ scope: 'im:write', why: 'send escalations to a user as a DM', required: true });
  if (config.digest && 'email' in config.digest)
    needs.push({ scope: 'users:read.email', why: 'find the digest recipient by email', required: true });
  return needs;
}

/** Whether an escalation may go to a user (a DM): only when some tier escalates at all. */
function escalatesToAUser(config: Config): boolean {
  const escalating = config.tiers.filter((tier) => tier.escalation);
  if (escalating.length === 0) return false;
  const targets = [
    ...escalating.flatMap((tier) => tier.escalation?.chain ?? []),
    ...Object.values(config.teams).flatMap((team) => team.escalateTo ?? []),
  ];
  return targets.some((target) => target.kind === 'user');
}

/** auth, scopes, every configured channel, the digest recipient: read-only calls only (plus opening a DM). */
export async function checkSlack(client: WebClient, config: Config): Promise<Check[]> {
  const checks: Check[] = [];
  let granted: string[] | undefined;
  try {
    const auth = await client.auth.test();
    granted = auth.response_metadata?.scopes;
    checks.push(pass('slack', 'token accepted', `workspace ${auth.team ?? '?'}, bot ${auth.user ?? '?'}`));
  } catch (error) {
    const failure = classifySlackError(error);
    const detail = describeFailure(failure);
    checks.push(
      fail('slack', 'token accepted', ExitCode.unavailable, detail, 'check SLACK_BOT_TOKEN (the bot token, xoxb-…) and SLACK_API_URL'),
    );
    return checks;
  }

  const needs = neededScopes(config);
  if (!granted || granted.length === 0) {
    checks.push(warn('slack', 'scopes', 'Slack did not list the granted scopes; could not compare', undefined));
  } else {
    const missingRequired = needs.filter((n) => n.required && !granted.includes(n.scope));
    const missingOptional = needs.filter((n) => !n.required && !granted.includes(n.scope));
    if (missingRequired.length > 0) {
      checks.push(
        fail(
          'slack',
          'scopes',
          ExitCode.unavailable,
          `missing ${missingRequired.map((n) => `${n.scope} (to ${n.why})`).join(', ')}`,
          'add the scopes under OAuth & Permissions in the Slack app, reinstall it, and update SLACK_BOT_TOKEN',
        ),
      );
    } else {
      checks.push(
        pass(
          'slack',
          'scopes',
          `granted ${needs
            .filter((n) => n.required)
            .map((n) => n.scope)
            .join(', ')}`,
        ),
      );
    }
    if (missingOptional.length > 0) {
      checks.push(warn('slack', 'optional scopes', `missing ${missingOptional.map((n) => `${n.scope} (to ${n.why})`).join(', ')}`));
    }
  }

  if (config.threads === 'reply' && granted && granted.length > 0) checks.push(...threadFeatureChecks(config, granted));

  const canJoin = Boolean(granted?.includes('channels:join') || granted?.includes('chat:write.public'));
  let channelsByName: Promise<Map<string, string>> | undefined;
  const findByName = async (name: string) => (await (channelsByName ??= listChannels(client))).get(name);
  for (const { channel, usedBy } of configuredChannels(config)) {
    checks.push(await checkChannel(client, channel, usedBy, canJoin, findByName));
  }

  // No digest at all is the config section's finding already; saying it twice would not help.
  if (config.digest && !('channel' in config.digest)) {
    const recipient = await resolveDigestRecipient(client, config.digest);
    if (recipient.ok) checks.push(pass('slack', `digest recipient ${recipient.label}`, 'resolvable'));
    else {
      const f = recipient.failure;
      const detail = describeFailure(f);
      // A missing scope or a dead token is Slack refusing chaser (69), as a sweep would report it;
      // only "no such user" is the config's fault (78).
      checks.push(
        f.kind === 'fatal'
          ? fail(
              'slack',
              `digest recipient ${recipient.label}`,
              ExitCode.unavailable,
              detail,
              'grant the scope under OAuth & Permissions, reinstall the app and update SLACK_BOT_TOKEN',
            )
          : fail('slack', `digest recipient ${recipient.label}`, ExitCode.config, detail, 'check digest.user / digest.email in the config'),
      );
    }
  }
  return checks;
}

/** Each thread feature on or off, with the scope that would turn it on: a missing one turns off only that. */
function threadFeatureChecks(config: Config, granted: readonly string[]): Check[] {
  const features = featuresFrom(granted);
  return FEATURE_SCOPES.filter(({ key }) => key !== 'usergroupsRead' || config.answers.who === 'team').map(({ feature, scope, key }) =>
    features[key]
      ? pass('slack', `thread feature: ${feature}`, `on (${scope})`)
      : warn('slack', `thread feature: ${feature}`, `off: grant ${scope} to turn it on`),
  );
}

function configuredChannels(config: Config): Array<{ channel: string; usedBy: string }> {
  const byChannel = new Map<string, string[]>();
  const add = (channel: string, user: string) => byChannel.set(channel, [...(byChannel.get(channel) ?? []), user]);
  for (const [team, route] of Object.entries(config.teams)) add(route.channel, `teams.${team}`);
  if (config.fallbackChannel) add(config.fallbackChannel, 'fallbackChannel');
  if (config.digest && 'channel' in config.digest) add(config.digest.channel, 'digest');
  return [...byChannel].map(([channel, users]) => ({ channel, usedBy: users.join(', ') }));
}

async function checkChannel(
  client: WebClient,
  channel: string,
  usedBy: string,
  canJoin: boolean,
  findByName: (name: string) => Promise<string | undefined>,
): Promise<Check> {
  const name = `channel ${channel}`;
  try {
    let id = channel;
    if (channel.startsWith('#')) {
      const found = await findByName(channel.slice(1));
      if (!found) {
        return fail(
          'slack',
          name,
          ExitCode.config,
          `no channel named ${channel} is visible to the bot (used by ${usedBy})`,
          'check the name, or use the channel id (C…); a private channel must invite the bot first',
        );
      }
      id = found;
    }
    const info = await client.conversations.info({ channel: id });
    const c = info.channel;
    if (c?.is_archived) {
      return fail('slack', name, ExitCode.config, `archived (used by ${usedBy})`, `unarchive it or point ${usedBy} at another channel`);
    }
    if (c && c.is_member === false) {
      if (c.is_private) {
        return fail(
          'slack',
          name,
          ExitCode.config,
          `private and the bot is not a member (used by ${usedBy})`,
          `invite the bot: /invite @<bot> in ${channel}`,
        );
      }
      if (!canJoin) {
        return fail(
          'slack',
          name,
          ExitCode.config,
          `the bot is not a member and cannot join (used by ${usedBy})`,
          `invite the bot to ${channel}, or grant channels:join`,
        );
      }
      return pass('slack', name, `reachable (the bot will join on first post; used by ${usedBy})`);
    }
    return pass('slack', name, `reachable (used by ${usedBy})`);
  } catch (error) {
    const failure = classifySlackError(error);
    if (failure.kind === 'fatal' && failure.code === 'missing_scope') {
      return skip('slack', name, 'could not check: grant channels:read and groups:read to let doctor look at channels');
    }
    const detail = describeFailure(failure);
    return fail(
      'slack',
      name,
      ExitCode.config,
      `${detail} (used by ${usedBy})`,
      'check the channel id in the config; a private channel must invite the bot first',
    );
  }
}

async function listChannels(client: WebClient): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await client.conversations.list({
      types: 'public_channel,private_channel',
      limit: 1000,
      exclude_archived: false,
      ...(cursor ? { cursor } : {}),
    });
    for (const c of page.channels ?? []) if (c.name && c.id) byName.set(c.name, c.id);
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return byName;
}
