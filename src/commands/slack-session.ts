import { ChaserError, ExitCode } from '../exit-codes.js';
import type { Plan, TeamPlan } from '../policy/types.js';
import { createSlackClients } from '../slack/client.js';
import { renderDigest } from '../slack/digest-message.js';
import { resolveDigestRecipient } from '../slack/digest-recipient.js';
import { classifySlackError, describeFailure } from '../slack/failures.js';
import { deliverAll, type DeliveryReport } from '../slack/notifier.js';
import { renderTeamMessage } from '../slack/team-message.js';
import type { Delivery } from '../slack/types.js';
import type { CommandContext } from './context.js';
import type { RunRequest } from './run.js';

/** The scope chaser cannot post without; the others are checked where they are used. */
const REQUIRED_SCOPE = 'chat:write';

/**
 * The Slack side of a run: checks the token before anything is read or posted (a revoked token
 * is exit 69 in one cheap call), then posts nudges and the digest through one paced notifier.
 */
export async function openSlackSession(ctx: CommandContext, request: RunRequest, stats: { slackCalls: number }) {
  let calls = 0;
  const slackConfig = request.config.slack;
  const clients = createSlackClients({
    token: request.slackToken ?? '',
    ...(request.slackApiUrl ? { apiUrl: request.slackApiUrl } : {}),
    slack: slackConfig,
    log: ctx.log,
    onRequest: () => {
      calls += 1;
      stats.slackCalls = calls;
    },
  });

  try {
    const auth = await clients.read.auth.test();
    const scopes = auth.response_metadata?.scopes;
    if (scopes && scopes.length > 0 && !scopes.includes(REQUIRED_SCOPE)) {
      throw new ChaserError(ExitCode.unavailable, `the Slack app lacks the scope ${REQUIRED_SCOPE}`, [
        `granted: ${scopes.join(', ')}; add ${REQUIRED_SCOPE} under OAuth & Permissions and reinstall the app`,
      ]);
    }
    ctx.log.debug('slack auth ok', { team: auth.team, user: auth.user });
  } catch (error) {
    if (error instanceof ChaserError) throw error;
    const failure = classifySlackError(error);
    const why = failure.kind === 'fatal' || failure.kind === 'failed' || failure.kind === 'lost' ? describeFailure(failure) : `Slack answered ${failure.kind}`;
    throw new ChaserError(ExitCode.unavailable, `Slack is not usable: ${why}`, [
      'check SLACK_BOT_TOKEN and SLACK_API_URL; nothing was posted',
    ]);
  }

  const common = {
    clients,
    retries: slackConfig.retries,
    concurrency: slackConfig.concurrency,
    perChannelIntervalMs: slackConfig.perChannelIntervalMs,
    maxRetryAfterSeconds: slackConfig.maxRetryAfterSeconds,
    signal: ctx.signal,
    log: ctx.log,
    redact: ctx.redact,
  };

  return {
    calls: () => calls,

    async deliverNudges(
      teams: readonly TeamPlan[],
      record: (team: TeamPlan, accepted: { channel: string; ts: string }) => Promise<void>,
      halt?: () => string | undefined,
    ): Promise<DeliveryReport<string>> {
      const byTeam = new Map(teams.map((t) => [t.team, t]));
      const items = teams.flatMap((team) =>
        team.route.kind === 'unrouted'
          ? []
          : [{ key: team.team, channel: team.route.channel, message: () => renderTeamMessage(team, request.now, request.config.tiers) }],
      );
      return deliverAll(items, {
        ...common,
        ...(request.onProgress ? { onProgress: request.onProgress } : {}),
        ...(halt ? { halt } : {}),
        onDelivered: async (item, accepted) => {
          const team = byTeam.get(item.key);
          if (team) await record(team, accepted);
          ctx.log.info(`nudged ${item.key}`, { channel: accepted.channel, consumers: team?.nudges.count });
        },
      });
    },

    async deliverDigest(
      plan: Plan,
      deliveries: ReadonlyMap<string, Delivery>,
      mode: 'sweep' | 'digest' | 'dry-run',
    ): Promise<{ delivered: boolean; channel?: string; error?: string; fatal?: boolean }> {
      const destination = request.config.digest;
      if (!destination) return { delivered: false, error: 'no digest destination configured' };
      const recipient = await resolveDigestRecipient(clients.read, destination);
      if (!recipient.ok) {
        const f = recipient.failure;
        const reason = describeFailure(f);
        return { delivered: false, channel: recipient.label, error: reason, fatal: f.kind === 'fatal' };
      }
      const message = () => renderDigest({ plan, deliveries, mode, now: request.now });
      const report = await deliverAll([{ key: 'digest', channel: recipient.channel, message }], common);
      const result = report.results.get('digest');
      if (result?.ok) return { delivered: true, channel: recipient.label };
      return {
        delivered: false,
        channel: recipient.label,
        error: report.fatal?.message ?? (result && !result.ok ? result.reason : 'not sent'),
        fatal: report.fatal !== undefined,
      };
    },
  };
}
