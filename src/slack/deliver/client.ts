import { WebClient, LogLevel, type Logger } from '@slack/web-api';
import type { SlackConfig } from '../../config/types.js';
import type { Log } from '../../log.js';

export interface SlackClientOptions {
  token: string;
  /** Base URL of the Web API (SLACK_API_URL); undefined = Slack's own. */
  apiUrl?: string;
  slack: Pick<SlackConfig, 'timeoutMs' | 'retries' | 'concurrency'>;
  log: Log;
  /** Counts HTTP requests (retries included), for -v stats and the benchmark. */
  onRequest?: () => void;
}

/**
 * The two WebClients of a run, configured for a batch job, not a chat bot. WebClient's defaults
 * would wait forever for a hung request (timeout 0) and retry for ~30 minutes
 * (tenRetriesInAboutThirtyMinutes); a CronJob wants a bounded run. 429s are rejected immediately
 * (rejectRateLimitedCalls) so the notifier can honour Retry-After for that one channel instead of
 * WebClient pausing every channel's queue.
 */
export interface SlackClients {
  /**
   * Calls that change nothing, or nothing twice (auth.test, lookups, conversations.open / join):
   * WebClient retries a 5xx or a network failure `slack.retries` times.
   */
  read: WebClient;
  /**
   * chat.postMessage: WebClient never retries it, because a post whose answer was lost (timeout,
   * broken connection) may have been delivered, and its retry would post it again. The notifier
   * retries only what Slack provably did not accept (failures.ts: rate-limited, `retryable`).
   */
  post: WebClient;
}

export function createSlackClients(options: SlackClientOptions): SlackClients {
  return { read: createSlackClient(options, options.slack.retries), post: createSlackClient(options, 0) };
}

function createSlackClient(options: SlackClientOptions, retries: number): WebClient {
  return new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    timeout: options.slack.timeoutMs,
    retryConfig: { retries, ...RETRY_BACKOFF },
    rejectRateLimitedCalls: true,
    maxRequestConcurrency: options.slack.concurrency + 1,
    logger: slackLogger(options.log),
    logLevel: LogLevel.DEBUG,
    ...(options.onRequest
      ? {
          fetch: (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
            options.onRequest?.();
            return fetch(input, init);
          },
        }
      : {}),
  });
}

/** Backoff between two attempts of a retried call (WebClient's for reads, the notifier's for posts). */
export const RETRY_BACKOFF = { factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true } as const;

/** WebClient's own logger, routed to ours: stderr, silent unless -v (warnings stay visible). */
function slackLogger(log: Log): Logger {
  let level = LogLevel.DEBUG;
  const text = (parts: unknown[]): string => parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug(`slack: ${text(m)}`),
    info: (...m: unknown[]) => log.debug(`slack: ${text(m)}`),
    warn: (...m: unknown[]) => log.info(`slack: ${text(m)}`),
    error: (...m: unknown[]) => log.info(`slack: ${text(m)}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
