import type { WebClient } from '@slack/web-api';
import type { Log } from '../../log.js';
import { classifySlackError } from './failures.js';
import type { Delivery } from '../../run/types.js';
import type { SlackMessage } from '../render/types.js';

export interface Outbound<K> {
  key: K;
  /** Channel id, #name, or a D… conversation. */
  channel: string;
  /** Rendered when its turn comes, so thousands of teams never sit in memory as Block Kit at once. */
  message: () => SlackMessage;
}

export interface DeliverOptions<K> {
  client: WebClient;
  /** Posts in flight at once (to different channels). */
  concurrency: number;
  /** Least time between two posts into one channel: Slack allows about one per second. */
  perChannelIntervalMs: number;
  /** A Retry-After longer than this fails the delivery rather than stall the job. */
  maxRetryAfterSeconds: number;
  /** Aborted on SIGTERM/SIGINT: nothing new is posted, what is in flight finishes and is recorded. */
  signal: AbortSignal;
  log: Log;
  /**
   * Runs right after Slack accepted a message and before that lane posts again. Recording the
   * nudge here keeps "every recorded nudge is true, every unrecorded one re-sendable". If it
   * throws, no further message is posted and the error is rethrown once the in-flight posts settle.
   */
  onDelivered?: (item: Outbound<K>, accepted: { channel: string; ts: string }) => Promise<void>;
  onProgress?: (settled: number, total: number) => void;
}

export interface DeliveryReport<K> {
  results: Map<K, Delivery>;
  /** Set when the credentials cannot post at all: the run stopped before the next post. */
  fatal?: { code: string; message: string };
  interrupted: boolean;
}

const MAX_RATE_LIMIT_RETRIES = 5;

/**
 * Posts every message: one serial lane per channel (paced to Slack's ~1/s/channel), lanes in
 * parallel under a bound. A lane waiting for its channel's pace or a Retry-After does not hold
 * a slot, so one throttled channel never stalls the others.
 */
export async function deliverAll<K>(items: readonly Outbound<K>[], options: DeliverOptions<K>): Promise<DeliveryReport<K>> {
  const results = new Map<K, Delivery>();
  const slots = createSemaphore(Math.max(1, options.concurrency));
  let fatal: DeliveryReport<K>['fatal'];
  let recordError: unknown;
  let settled = 0;
  const stopped = () => options.signal.aborted || fatal !== undefined || recordError !== undefined;
  const settle = (item: Outbound<K>, delivery: Delivery) => {
    results.set(item.key, delivery);
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
    let nextPostAt = 0;
    let joined = false;
    for (const item of lane) {
      let rateLimitRetries = 0;
      for (;;) {
        if (stopped()) {
          settle(item, { ok: false, reason: notSentReason(options.signal, fatal, recordError) });
          break;
        }
        await sleep(nextPostAt - Date.now(), options.signal);
        if (stopped()) continue;
        // A message that already waited out a Retry-After goes ahead of the lanes queued meanwhile:
        // otherwise its 2 s wait becomes a wait for every other channel's turn.
        const outcome = await slots.run(async () => {
          if (stopped()) return { kind: 'retry' as const };
          try {
            const message = item.message();
            const response = await options.client.chat.postMessage({
              channel: item.channel,
              text: message.text,
              blocks: message.blocks,
              unfurl_links: false,
              unfurl_media: false,
            });
            const accepted = { channel: String(response.channel ?? item.channel), ts: String(response.ts ?? '') };
            // Settled before recording: the message is out whatever happens to the record.
            settle(item, { ok: true, ...accepted });
            try {
              await options.onDelivered?.(item, accepted);
            } catch (error) {
              recordError ??= error;
            }
            return { kind: 'done' as const };
          } catch (error) {
            const failure = classifySlackError(error);
            // Marked while this lane still holds its slot: the slot goes straight to a waiting
            // lane, which must already see that these credentials cannot post.
            if (failure.kind === 'fatal') fatal ??= { code: failure.code, message: failure.message };
            return { kind: 'error' as const, failure };
          } finally {
            nextPostAt = Date.now() + options.perChannelIntervalMs;
          }
        }, rateLimitRetries > 0);
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
          nextPostAt = Date.now() + failure.retryAfterSeconds * 1000;
          continue;
        }
        if (failure.kind === 'not-in-channel') {
          if (!joined && (await tryJoin(options.client, item.channel, options.log))) {
            joined = true;
            continue;
          }
          settle(item, { ok: false, reason: `not_in_channel (invite the bot to ${item.channel} with /invite)` });
          break;
        }
        if (failure.kind === 'fatal') {
          fatal ??= { code: failure.code, message: failure.message };
          settle(item, { ok: false, reason: failure.code });
          break;
        }
        settle(item, { ok: false, reason: failure.reason });
        break;
      }
    }
  };

  await Promise.all([...lanes.values()].map(runLane));
  if (recordError !== undefined) throw recordError;
  return { results, ...(fatal ? { fatal } : {}), interrupted: options.signal.aborted };
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

function notSentReason(signal: AbortSignal, fatal: { code: string } | undefined, recordError: unknown): string {
  if (fatal) return `not sent: run aborted (${fatal.code})`;
  if (recordError !== undefined) return 'not sent: run aborted (could not record a delivered nudge)';
  if (signal.aborted) return 'not sent: interrupted';
  return 'not sent';
}

/** Waits ms, or less if the signal aborts; never rejects. */
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
