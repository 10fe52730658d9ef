import type { DigestDestination, SlackConfig, Tier } from '../../config/types.js';
import { ChaserError, ExitCode } from '../../exit-codes.js';
import type { Log } from '../../log.js';
import type { Redact } from '../../redact.js';
import type { Plan, TeamPlan } from '../../policy/types.js';
import type { Delivery, DigestOutcome, RunMode } from '../../run/types.js';
import { renderDigest, type DigestInput } from '../render/digest-message.js';
import type { DigestHistory } from '../../run/history.js';
import { renderTeamMessage, type StatusVocabulary } from '../render/team-message.js';
import { createSlackClients } from './client.js';
import { resolveDigestRecipient } from './digest-recipient.js';
import { classifySlackError, describeFailure } from './failures.js';
import { featuresFrom, findTaggedPost, nudgeTag } from './harvest.js';
import { deliverAll, type Accepted, type DeliveryReport, type Outbound } from './notifier.js';

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
  /** The inventory's words for "done", for the message's footer. */
  vocabulary?: StatusVocabulary;
  /** Runs once Slack accepted a team's message, before that channel posts again. */
  record: (team: TeamPlan, accepted: Accepted) => Promise<void>;
  /** Asked before every post: a reason (the sweep lock was lost) stops posting. */
  halt?: () => string | undefined;
  /** Where a team's nudge goes when its own channel cannot be reached (config fallbackChannel). */
  fallbackChannel?: string;
  onProgress?: (settled: number, total: number) => void;
  /**
   * Tags each post with metadata (nudgeTag: this run and team), so that a post whose answer was
   * lost after Slack delivered it is looked for in the channel and recorded, not re-sent — when
   * the history scope is granted. A scheduled message is never tagged (Slack would not deliver it).
   */
  tag?: { runId: string; campaign: string };
  /** Lines under a team's message: what answers and evidence say about its consumers ("looks done — confirm…"). */
  notesFor?: (team: TeamPlan) => readonly string[];
}

export interface DigestDelivery {
  plan: Plan;
  deliveries: ReadonlyMap<string, Delivery>;
  mode: RunMode;
  now: Date;
  destination: DigestDestination | undefined;
  answers?: DigestInput['answers'];
  threaded?: DigestInput['threaded'];
  history?: DigestHistory;
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
  let botId: string | undefined;
  try {
    const auth = await clients.read.auth.test();
    const scopes = auth.response_metadata?.scopes;
    granted = scopes && scopes.length > 0 ? [...scopes] : undefined;
    botUserId = typeof auth.user_id === 'string' ? auth.user_id : undefined;
    botId = typeof auth.bot_id === 'string' ? auth.bot_id : undefined;
    if (scopes && scopes.length > 0 && !scopes.includes(REQUIRED_SCOPE)) {
      throw new ChaserError(ExitCode.unavailable, `the Slack app lacks the scope ${REQUIRED_SCOPE}`, [
        `granted: ${scopes.join(', ')}; add ${REQUIRED_SCOPE} under OAuth & Permissions and reinstall the app`,
      ]);
    }
    options.log.debug('slack auth ok', { team: auth.team, user: auth.user });
  } catch (error) {
    if (error instanceof ChaserError) throw error;
    const failure = classifySlackError(error);
    const why =
      failure.kind === 'fatal' || failure.kind === 'failed' || failure.kind === 'lost'
        ? describeFailure(failure)
        : `Slack answered ${failure.kind}`;
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
    /** chaser's bot id: the bot_id on every message it posted. */
    botId,
    /** The paced notifier's settings, for the thread stage's own deliveries. */
    common,

    async deliverNudges(teams: readonly TeamPlan[], delivery: NudgeDelivery): Promise<DeliveryReport<string>> {
      const post = (plans: readonly TeamPlan[]) => {
        const byTeam = new Map(plans.map((t) => [t.team, t]));
        const items = plans.flatMap((team) =>
          team.route.kind === 'unrouted'
            ? []
            : [
                {
                  key: team.team,
                  channel: team.route.channel,
                  message: () => renderTeamMessage(team, delivery.now, delivery.tiers, delivery.vocabulary, delivery.notesFor?.(team)),
                  ...(team.sending.mode === 'schedule'
                    ? { postAt: team.sending.postAt }
                    : delivery.tag
                      ? { metadata: nudgeTag(delivery.tag.runId, team.team, delivery.tag.campaign, 'nudge') }
                      : {}),
                },
              ],
        );
        return deliverAll(items, {
          ...common,
          ...(delivery.onProgress ? { onProgress: delivery.onProgress } : {}),
          ...(delivery.halt ? { halt: delivery.halt } : {}),
          ...(delivery.tag && featuresFrom(granted).history
            ? { findLost: (item: Outbound<string>) => findTaggedPost(clients.read, item, botId, Math.floor(Date.now() / 1000)) }
            : {}),
          onDelivered: async (item, accepted) => {
            const team = byTeam.get(item.key);
            if (team) await delivery.record(team, accepted);
            options.log.info(`nudged ${item.key}`, { channel: accepted.channel, consumers: team?.nudges.count });
          },
        });
      };
      const first = await post(teams);
      const rerouted =
        delivery.fallbackChannel && !first.fatal && !first.unrecorded && !first.interrupted
          ? reroute(teams, first.results, delivery.fallbackChannel)
          : [];
      if (rerouted.length === 0) return first;
      // A second pass, after the teams' own channels: only these teams, into the fallback channel.
      const second = await post(rerouted);
      const results = new Map(first.results);
      for (const team of rerouted) {
        const because = team.route.kind === 'fallback' ? team.route.because : undefined;
        const own = first.results.get(team.team);
        const there = second.results.get(team.team);
        if (!because || !own || !there) continue;
        if (there.ok) {
          options.log.warn(
            `team ${JSON.stringify(team.team)}: its channel ${because.channel} could not be reached (${because.reason}); nudged in the fallbackChannel ${delivery.fallbackChannel} instead`,
          );
          results.set(team.team, { ...there, fallbackFrom: because });
        } else {
          results.set(team.team, {
            ok: false,
            reason: `${because.reason}; the fallbackChannel ${delivery.fallbackChannel} failed too: ${there.reason}`,
          });
        }
      }
      const fatal = first.fatal ?? second.fatal;
      const unrecorded = first.unrecorded ?? second.unrecorded;
      return {
        results,
        ...(fatal ? { fatal } : {}),
        ...(unrecorded ? { unrecorded } : {}),
        interrupted: first.interrupted || second.interrupted,
      };
    },

    /** The ids (and post_at) still in Slack's queue for a channel. */
    async listScheduled(channel: string): Promise<Map<string, Date>> {
      const pending = new Map<string, Date>();
      for await (const page of clients.read.paginate('chat.scheduledMessages.list', { channel, limit: 100 })) {
        const list = (page as { scheduled_messages?: Array<{ id?: string; post_at?: number }> }).scheduled_messages ?? [];
        for (const entry of list) if (entry.id) pending.set(String(entry.id), new Date((entry.post_at ?? 0) * 1000));
      }
      return pending;
    },

    /** Deletes a scheduled message; false when Slack says it is no longer there (already posted or deleted). */
    async deleteScheduled(channel: string, id: string): Promise<boolean> {
      try {
        await clients.read.chat.deleteScheduledMessage({ channel, scheduled_message_id: id });
        return true;
      } catch (error) {
        const failure = classifySlackError(error);
        if (failure.kind === 'failed' && failure.reason.startsWith('invalid_scheduled_message_id')) return false;
        throw error;
      }
    },

    /**
     * The ts of the bot's message Slack posted for a scheduled one: the bot's message nearest
     * after post_at in the channel's history. Null when it cannot be read (no history scope).
     */
    async findPosted(channel: string, postAt: Date): Promise<string | null> {
      const at = postAt.getTime() / 1000;
      try {
        const history = await clients.read.conversations.history({
          channel,
          oldest: String(at - 1),
          latest: String(at + 3600),
          limit: 50,
          inclusive: true,
        });
        const own = (history.messages ?? []).filter((m) => m.bot_id === botId && m.ts !== undefined);
        own.sort((a, b) => Number(a.ts) - Number(b.ts));
        return own[0]?.ts ?? null;
      } catch (error) {
        options.log.info(
          `could not read ${channel}'s history to find a scheduled nudge's ts: ${describeFailure(classifySlackError(error))}`,
        );
        return null;
      }
    },

    async deliverDigest({
      destination,
      plan,
      deliveries,
      mode,
      now,
      answers,
      threaded,
      history,
      pacing,
    }: DigestDelivery): Promise<DigestOutcome & { fatal?: boolean }> {
      if (!destination) return { delivered: false, error: 'no digest destination configured' };
      const recipient = await resolveDigestRecipient(clients.read, destination);
      if (!recipient.ok) {
        const f = recipient.failure;
        const reason = describeFailure(f);
        return { delivered: false, channel: recipient.label, error: `${reason}: ${digestCheck(destination)}`, fatal: f.kind === 'fatal' };
      }
      const message = () => renderDigest({ plan, deliveries, mode, now, answers, threaded, pacing, ...(history ? { history } : {}) });
      const report = await deliverAll([{ key: 'digest', channel: recipient.channel, message }], common);
      const result = report.results.get('digest');
      if (result?.ok) return { delivered: true, channel: recipient.label };
      const why = report.fatal?.message ?? (result && !result.ok ? result.reason : 'not sent');
      return {
        delivered: false,
        channel: recipient.label,
        error: result && !result.ok && result.uncertain ? why : `${why}: ${digestCheck(destination)}`,
        fatal: report.fatal !== undefined,
      };
    },
  };
}

/** What to check when the digest could not reach its recipient, by the kind of destination. */
function digestCheck(destination: DigestDestination): string {
  if ('email' in destination) {
    return `check digest.email (${destination.email}) is the lead's address in Slack, and that the app has the users:read.email and im:write scopes`;
  }
  if ('user' in destination)
    return `check digest.user (${destination.user}) is the lead's member id (U…), and that the app has the im:write scope`;
  return `check digest.channel (${destination.channel}) exists and is not archived, and that the bot is in it (/invite)`;
}

/** The teams whose own channel could not take the post, routed to the fallback channel with why. */
function reroute(teams: readonly TeamPlan[], results: ReadonlyMap<string, Delivery>, fallbackChannel: string): TeamPlan[] {
  return teams.flatMap((team) => {
    const delivery = results.get(team.team);
    if (team.route.kind !== 'team' || team.route.channel === fallbackChannel || !delivery || delivery.ok || !delivery.unreachable)
      return [];
    return [
      { ...team, route: { kind: 'fallback', channel: fallbackChannel, because: { channel: team.route.channel, reason: delivery.reason } } },
    ];
  });
}
