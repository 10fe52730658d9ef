import type { DigestDestination, SlackConfig, Tier } from '../../config/types.js';
import { ChaserError, ExitCode } from '../../exit-codes.js';
import type { Log } from '../../log.js';
import type { Redact } from '../../redact.js';
import type { Plan, TeamPlan } from '../../policy/types.js';
import type { Delivery, DigestOutcome, RunMode } from '../../run/types.js';
import { renderDigest, type DigestInput } from '../render/digest-message.js';
import { renderTeamMessage } from '../render/team-message.js';
import { createSlackClients } from './client.js';
import { resolveDigestRecipient } from './digest-recipient.js';
import { classifySlackError, describeFailure } from './failures.js';
import { deliverAll, type DeliveryReport } from './notifier.js';

/** The scope chaser cannot post without; the others are checked where they are used. */
const REQUIRED_SCOPE = 'chat:write';

export interface SlackSessionOptions {
  /** The bot token (SLACK_BOT_TOKEN). */
  token: string;
  /** Base URL of the Web API (SLACK_API_URL); undefined = Slack's own. */
  apiUrl?: string;
  slack: SlackConfig;
  /** Aborted on SIGTERM/SIGINT: nothing new is posted. */
  signal: AbortSignal;
  log: Log;
  /** The run's redactor: every message and failure reason passes it on the way to Slack. */
  redact: Redact;
  /** Counts HTTP requests (retries included). */
  onRequest?: () => void;
}

export interface NudgeDelivery {
  now: Date;
  tiers: readonly Tier[];
  /** Runs once Slack accepted a team's message, before that channel posts again. */
  record: (team: TeamPlan, accepted: { channel: string; ts: string }) => Promise<void>;
  /** Asked before every post: a reason (the sweep lock was lost) stops posting. */
  halt?: () => string | undefined;
  onProgress?: (settled: number, total: number) => void;
}

export interface DigestDelivery {
  plan: Plan;
  deliveries: ReadonlyMap<string, Delivery>;
  mode: RunMode;
  now: Date;
  destination: DigestDestination | undefined;
  answers?: DigestInput['answers'];
  threaded?: DigestInput['threaded'];
  pacing?: DigestInput['pacing'];
}

export type SlackSession = Awaited<ReturnType<typeof openSlackSession>>;

/**
 * The Slack side of a run: checks the token before anything is read or posted (a revoked token
 * is exit 69 in one cheap call), then posts nudges and the digest through one paced notifier.
 */
export async function openSlackSession(options: SlackSessionOptions) {
  const clients = createSlackClients({
    token: options.token,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    slack: options.slack,
    log: options.log,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });

  let granted: string[] | undefined;
  let botUserId: string | undefined;
  try {
    const auth = await clients.read.auth.test();
    const scopes = auth.response_metadata?.scopes;
    granted = scopes && scopes.length > 0 ? [...scopes] : undefined;
    botUserId = typeof auth.user_id === 'string' ? auth.user_id : undefined;
    if (scopes && scopes.length > 0 && !scopes.includes(REQUIRED_SCOPE)) {
      throw new ChaserError(ExitCode.unavailable, `the Slack app lacks the scope ${REQUIRED_SCOPE}`, [
        `granted: ${scopes.join(', ')}; add ${REQUIRED_SCOPE} under OAuth & Permissions and reinstall the app`,
      ]);
    }
    options.log.debug('slack auth ok', { team: auth.team, user: auth.user });
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
    retries: options.slack.retries,
    redact: options.redact,
    concurrency: options.slack.concurrency,
    perChannelIntervalMs: options.slack.perChannelIntervalMs,
    maxRetryAfterSeconds: options.slack.maxRetryAfterSeconds,
    signal: options.signal,
    log: options.log,
  };

  return {
    /** For reads (the harvest, permalinks): the client that may retry, as reads are safe to repeat. */
    client: clients.read,
    /** The scopes the token was granted (x-oauth-scopes), when Slack said. */
    granted,
    /** chaser's own user id: its messages and reactions are never answers. */
    botUserId,
    /** The paced notifier's settings, for the thread stage's own deliveries. */
    common,

    async deliverNudges(teams: readonly TeamPlan[], delivery: NudgeDelivery): Promise<DeliveryReport<string>> {
      const byTeam = new Map(teams.map((t) => [t.team, t]));
      const items = teams.flatMap((team) =>
        team.route.kind === 'unrouted'
          ? []
          : [{ key: team.team, channel: team.route.channel, message: () => renderTeamMessage(team, delivery.now, delivery.tiers) }],
      );
      return deliverAll(items, {
        ...common,
        ...(delivery.onProgress ? { onProgress: delivery.onProgress } : {}),
        ...(delivery.halt ? { halt: delivery.halt } : {}),
        onDelivered: async (item, accepted) => {
          const team = byTeam.get(item.key);
          if (team) await delivery.record(team, accepted);
          options.log.info(`nudged ${item.key}`, { channel: accepted.channel, consumers: team?.nudges.count });
        },
      });
    },

    async deliverDigest({ destination, plan, deliveries, mode, now, answers, threaded, pacing }: DigestDelivery): Promise<DigestOutcome & { fatal?: boolean }> {
      if (!destination) return { delivered: false, error: 'no digest destination configured' };
      const recipient = await resolveDigestRecipient(clients.read, destination);
      if (!recipient.ok) {
        const f = recipient.failure;
        const reason = describeFailure(f);
        return { delivered: false, channel: recipient.label, error: reason, fatal: f.kind === 'fatal' };
      }
      const message = () => renderDigest({ plan, deliveries, mode, now, answers, threaded, pacing });
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
