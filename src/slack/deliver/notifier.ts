import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { Log } from '../../log.js';
import { redactDeep, type Redact } from '../../redact.js';
import { RETRY_BACKOFF, type SlackClients } from './client.js';
import { truncateCodePoints } from '../render/escape.js';
import { classifySlackError } from './failures.js';
import type { Delivery } from '../../run/types.js';
import type { SlackMessage } from '../render/types.js';

export interface Outbound<K> {
  key: K;
  /** Channel id, #name, or a D… conversation. */
  channel: string;
  /** Rendered when its turn comes, so thousands of teams never sit in memory as Block Kit at once. */
  message: () => SlackMessage;
  /**
   * Post it with chat.scheduleMessage at this instant instead of now (outsideHours "schedule").
   * Never with `metadata`: Slack does not deliver scheduled messages that carry it.
   */
  postAt?: Date;
  /** A reply in this thread; `broadcast` also shows it in the channel (reply_broadcast). */
  thread?: { ts: string; broadcast: boolean };
  /** Edits this message (chat.update) instead of posting a new one. */
  update?: { ts: string };
  /** Message metadata (event type and payload), so chaser can recognise its own posts later. */
  metadata?: { event_type: string; event_payload: Record<string, string> };
}

/** What Slack accepted: a posted message (channel, ts) or a scheduled one (also its id and post_at). */
export interface Accepted {
  channel: string;
  ts: string;
  scheduled?: { id: string; postAt: Date };
}

export interface DeliverOptions<K> {
  /** `post` for chat.postMessage (never retried by WebClient), `read` for conversations.join. */
  clients: SlackClients;
  /** Retries of a post Slack provably did not accept (could not connect, HTTP 503); 429s are counted apart. */
  retries: number;
  /** Posts in flight at once (to different channels). */
  concurrency: number;
  /** Least time between two posts into one channel: Slack allows about one per second. */
  perChannelIntervalMs: number;
  /** A Retry-After longer than this fails the delivery rather than stall the job. */
  maxRetryAfterSeconds: number;
  /** Aborted on SIGTERM/SIGINT: nothing new is posted, what is in flight finishes and is recorded. */
  signal: AbortSignal;
  /** Asked before every post: a reason (e.g. the sweep lock was lost) stops posting like an abort. */
  halt?: () => string | undefined;
  log: Log;
  /**
   * The run's redactor (the one every printed line passes): this is the one door to Slack, so
   * every message posted and every failure reason (which may quote a proxy's echo of the
   * request) passes it too.
   */
  redact: Redact;
  /**
   * Runs right after Slack accepted a message and before that lane posts again. Recording the
   * nudge here keeps "every recorded nudge is true, every unrecorded one re-sendable". If it
   * throws, no further message is posted; the in-flight posts settle and are recorded, and the
   * report names every item whose record failed (`unrecorded`).
   */
  onDelivered?: (item: Outbound<K>, accepted: Accepted) => Promise<void>;
  onProgress?: (settled: number, total: number) => void;
  /**
   * Looks for a post whose answer was lost (a timeout after Slack delivered it), by its metadata
   * (channels:history): found, the post is delivered and recorded instead of an uncertain failure.
   */
  findLost?: (item: Outbound<K>) => Promise<{ channel: string; ts: string } | undefined>;
  /** Time and waiting; the real clock unless a test passes its own. */
  clock?: Clock;
  /**
   * Channel → the earliest instant (clock ms) of its next post, shared by several deliveries in
   * one run (a sweep's waves), so perChannelIntervalMs holds across them too.
   */
  pace?: Map<string, number>;
}

/** What the notifier needs of time: the current instant (ms) and a wait that an abort cuts short. */
export interface Clock {
  now(): number;
  /** Waits ms, or less if the signal aborts; never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock; the harvest's reader waits on it too. */
export const systemClock: Clock = { now: () => Date.now(), sleep };

export interface DeliveryReport<K> {
  results: Map<K, Delivery>;
  /** Set when the credentials cannot post at all: the run stopped before the next post. */
  fatal?: { code: string; message: string };
  /** Delivered, but onDelivered failed for them (the first error): they may be sent again next run. */
  unrecorded?: { keys: K[]; error: unknown };
  interrupted: boolean;
}

const MAX_RATE_LIMIT_RETRIES = 5;
/** Slack's answers that say the channel itself cannot take a post (not_in_channel is handled by a join first). */
const UNREACHABLE_CHANNEL = new Set(['channel_not_found', 'is_archived']);
/** Most code points of a failure reason kept (one quoting an unreadable answer can be a whole page). */
const REASON_MAX_CHARS = 300;

/**
 * Posts every message: one serial lane per channel (paced to Slack's ~1/s/channel), lanes in
 * parallel under a bound. A lane waiting for its channel's pace or a Retry-After does not hold
 * a slot, so one throttled channel never stalls the others.
 */
export async function deliverAll<K>(items: readonly Outbound<K>[], options: DeliverOptions<K>): Promise<DeliveryReport<K>> {
  const results = new Map<K, Delivery>();
  const clock = options.clock ?? systemClock;
  const slots = createSemaphore(Math.max(1, options.concurrency));
  let fatal: DeliveryReport<K>['fatal'];
  let unrecorded: DeliveryReport<K>['unrecorded'];
  // A bug in one lane stops new posts in every lane, but never the posts and records in flight.
  let laneError: { error: unknown } | undefined;
  let settled = 0;
  const stopped = () =>
    options.signal.aborted || fatal !== undefined || unrecorded !== undefined || laneError !== undefined || options.halt?.() !== undefined;
  const notSent = () => notSentReason(options.signal, fatal, unrecorded, laneError, options.halt?.());
  const settle = (item: Outbound<K>, delivery: Delivery) => {
    // Redacted before it is cut, so a secret is never left half-shown.
    results.set(
      item.key,
      delivery.ok ? delivery : { ...delivery, reason: truncateCodePoints(options.redact(delivery.reason), REASON_MAX_CHARS) },
    );
    settled += 1;
    options.onProgress?.(settled, items.length);
  };

  const lanes = new Map<string, Outbound<K>[]>();
  for (const item of items) {
    const lane = lanes.get(item.channel);
    if (lane) lane.push(item);
    else lanes.set(item.channel, [item]);
  }

  const runLane = async (lane: Outbound<K>[]) => {
    let nextPostAt = options.pace?.get(lane[0]?.channel ?? '') ?? 0;
    let joined = false;
    for (const item of lane) {
      let rateLimitRetries = 0;
      let retries = 0;
      for (;;) {
        if (stopped()) {
          settle(item, { ok: false, reason: notSent() });
          break;
        }
        await clock.sleep(nextPostAt - clock.now(), options.signal);
        if (stopped()) continue;
        // A message that already waited out a Retry-After goes ahead of the lanes queued meanwhile:
        // otherwise its 2 s wait becomes a wait for every other channel's turn.
        const outcome = await slots.run(
          async () => {
            if (stopped()) return { kind: 'retry' as const };
            const message = redactDeep(item.message(), options.redact);
            let accepted: Accepted;
            try {
              if (item.update) {
                const response = await options.clients.post.chat.update({
                  channel: item.channel,
                  ts: item.update.ts,
                  text: message.text,
                  blocks: message.blocks,
                });
                accepted = { channel: String(response.channel ?? item.channel), ts: String(response.ts ?? '') };
              } else if (item.postAt) {
                // Never with metadata: Slack does not deliver a scheduled message that carries it.
                const { metadata: _metadata, ...content } = postArguments(item, message);
                const response = await options.clients.post.chat.scheduleMessage({
                  ...content,
                  post_at: Math.floor(item.postAt.getTime() / 1000),
                });
                const id = String(response.scheduled_message_id ?? '');
                const postAt = typeof response.post_at === 'number' ? new Date(response.post_at * 1000) : item.postAt;
                accepted = { channel: String(response.channel ?? item.channel), ts: `scheduled:${id}`, scheduled: { id, postAt } };
              } else {
                const response = await options.clients.post.chat.postMessage(postArguments(item, message));
                accepted = { channel: String(response.channel ?? item.channel), ts: String(response.ts ?? '') };
              }
            } catch (error) {
              const failure = classifySlackError(error);
              // Marked while this lane still holds its slot: the slot goes straight to a waiting
              // lane, which must already see that these credentials cannot post.
              if (failure.kind === 'fatal') fatal ??= { code: failure.code, message: failure.message };
              return { kind: 'error' as const, failure };
            } finally {
              nextPostAt = clock.now() + options.perChannelIntervalMs;
              options.pace?.set(item.channel, nextPostAt);
            }
            // Settled before recording: the message is out whatever happens to the record.
            settle(item, { ok: true, channel: accepted.channel, ts: accepted.ts });
            try {
              await options.onDelivered?.(item, accepted);
            } catch (error) {
              if (unrecorded) unrecorded.keys.push(item.key);
              else unrecorded = { keys: [item.key], error };
            }
            return { kind: 'done' as const };
          },
          rateLimitRetries > 0 || retries > 0,
        );
        if (outcome.kind === 'done') break;
        if (outcome.kind === 'retry') continue;
        const failure = outcome.failure;
        if (failure.kind === 'rate-limited') {
          rateLimitRetries += 1;
          if (rateLimitRetries > MAX_RATE_LIMIT_RETRIES || failure.retryAfterSeconds > options.maxRetryAfterSeconds) {
            settle(item, { ok: false, reason: `ratelimited (Slack asked to wait ${failure.retryAfterSeconds}s; gave up)` });
            break;
          }
          options.log.info(`slack rate-limited ${item.channel}; retrying in ${failure.retryAfterSeconds}s`);
          nextPostAt = clock.now() + failure.retryAfterSeconds * 1000;
          options.pace?.set(item.channel, nextPostAt);
          continue;
        }
        if (failure.kind === 'not-in-channel') {
          if (!joined && (await tryJoin(options.clients.read, item.channel, options.log))) {
            joined = true;
            continue;
          }
          settle(item, { ok: false, unreachable: true, reason: `not_in_channel (invite the bot to ${item.channel} with /invite)` });
          break;
        }
        if (failure.kind === 'fatal') {
          settle(item, { ok: false, reason: failure.code });
          break;
        }
        if (failure.kind === 'lost') {
          // A post tagged with metadata can be looked for: found, it was delivered and is recorded as such.
          const found = item.metadata && !item.update && options.findLost ? await options.findLost(item).catch(() => undefined) : undefined;
          if (found) {
            options.log.info(`slack: the answer to the post to ${item.channel} was lost, but the message is there: recorded, not re-sent`);
            settle(item, { ok: true, ...found });
            try {
              await options.onDelivered?.(item, found);
            } catch (error) {
              if (unrecorded) unrecorded.keys.push(item.key);
              else unrecorded = { keys: [item.key], error };
            }
            break;
          }
          // The post may be in the channel: a retry could be a second copy. The next run sends it at most once more.
          options.log.info(`slack: no readable answer for the post to ${item.channel}; not retried`, { reason: failure.reason });
          settle(item, {
            ok: false,
            uncertain: true,
            reason: `${failure.reason}: the message may have been posted; not re-sent in this run`,
          });
          break;
        }
        if (failure.retryable && retries < options.retries) {
          const waitMs = Math.min(RETRY_BACKOFF.maxTimeout, RETRY_BACKOFF.minTimeout * RETRY_BACKOFF.factor ** retries);
          retries += 1;
          options.log.info(`slack: ${failure.reason} posting to ${item.channel}; retry ${retries} of ${options.retries} in ${waitMs} ms`);
          nextPostAt = clock.now() + waitMs;
          continue;
        }
        if (UNREACHABLE_CHANNEL.has(failure.reason)) {
          settle(item, { ok: false, unreachable: true, reason: failure.reason });
          break;
        }
        settle(item, { ok: false, reason: retries > 0 ? `${failure.reason} (after ${retries} retries)` : failure.reason });
        break;
      }
    }
  };

  await Promise.all(
    [...lanes.values()].map((lane) =>
      runLane(lane).catch((error: unknown) => {
        laneError ??= { error };
        for (const item of lane) if (!results.has(item.key)) settle(item, { ok: false, reason: notSent() });
      }),
    ),
  );
  if (laneError) throw laneError.error;
  return { results, ...(fatal ? { fatal } : {}), ...(unrecorded ? { unrecorded } : {}), interrupted: options.signal.aborted };
}

/** chat.postMessage's arguments: WebClient's types want reply_broadcast only beside thread_ts. */
function postArguments<K>(item: Outbound<K>, message: SlackMessage): ChatPostMessageArguments {
  const base = {
    channel: item.channel,
    text: message.text,
    blocks: message.blocks,
    unfurl_links: false,
    unfurl_media: false,
    ...(item.metadata ? { metadata: item.metadata } : {}),
  };
  if (!item.thread) return base;
  return item.thread.broadcast ? { ...base, thread_ts: item.thread.ts, reply_broadcast: true } : { ...base, thread_ts: item.thread.ts };
}

async function tryJoin(client: WebClient, channel: string, log: Log): Promise<boolean> {
  try {
    await client.conversations.join({ channel });
    log.info(`joined ${channel} to post`);
    return true;
  } catch (error) {
    const failure = classifySlackError(error);
    log.info(`could not join ${channel}: ${failure.kind === 'failed' ? failure.reason : failure.kind}`);
    return false;
  }
}

function notSentReason(
  signal: AbortSignal,
  fatal: { code: string } | undefined,
  unrecorded: unknown,
  laneError: unknown,
  halted: string | undefined,
): string {
  if (fatal) return `not sent: run aborted (${fatal.code})`;
  if (halted !== undefined) return `not sent: run aborted (${halted})`;
  if (unrecorded !== undefined) return 'not sent: run aborted (could not record a delivered nudge)';
  if (laneError !== undefined) return 'not sent: run aborted (internal error)';
  if (signal.aborted) return 'not sent: interrupted';
  return 'not sent';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function createSemaphore(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    /** `first`: queue at the front (a retry that has already waited its turn once). */
    async run<T>(task: () => Promise<T>, first = false): Promise<T> {
      // A freed slot is handed straight to the next waiter, so a newcomer can never squeeze past the limit.
      if (active < limit) active += 1;
      else await new Promise<void>((resolve) => (first ? waiting.unshift(resolve) : waiting.push(resolve)));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active -= 1;
      }
    },
  };
}
