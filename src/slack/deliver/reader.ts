import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import type { Log } from '../../log.js';
import { classifySlackError, describeFailure } from './failures.js';
import { systemClock } from './notifier.js';

/**
 * Slack's read methods are limited per app, per workspace and per METHOD (Tier 3: ~50 a minute;
 * 1 a minute on conversations.history/replies for commercial apps outside the Marketplace), so
 * reads are budgeted per method: a 429 pauses that method alone for its Retry-After, the others go
 * on. A method that keeps answering 429, or asks for a longer wait than the run will give, is
 * spent for the rest of the run: the harvest says it did not finish and the run goes on.
 */
export type ReadOutcome<T> =
  | { ok: true; value: T }
  /** Slack refused: `missing_scope` (with the scope), `message_not_found`, `not_in_channel`, … */
  | { ok: false; code: string; needed?: string; reason: string }
  /** The method's budget for this run is spent (rate limits); nothing was read. */
  | { ok: false; code: 'budget-spent'; reason: string };

export interface SlackReader {
  read<T>(method: string, call: (client: WebClient) => Promise<T>): Promise<ReadOutcome<T>>;
  /** Calls made per method, 429s included: the harvest's cost, for -v and the bench. */
  readonly calls: ReadonlyMap<string, number>;
  /** Methods whose budget ran out this run. */
  readonly spent: ReadonlySet<string>;
}

export interface ReaderOptions {
  client: WebClient;
  /** The longest Retry-After waited for (slack.maxRetryAfterSeconds). */
  maxRetryAfterSeconds: number;
  /** 429s one method may get in a run before it is spent (default: no count limit; the deadline bounds it). */
  maxRateLimits?: number;
  /** Date.now() after which no read starts: the harvest's budget; what is left is read next run. */
  deadlineAt?: number;
  signal: AbortSignal;
  log: Log;
}

const DEFAULT_MAX_RATE_LIMITS = Number.POSITIVE_INFINITY;

export function createSlackReader(options: ReaderOptions): SlackReader {
  const calls = new Map<string, number>();
  const spent = new Set<string>();
  const pausedUntil = new Map<string, number>();
  const rateLimits = new Map<string, number>();
  const maxRateLimits = options.maxRateLimits ?? DEFAULT_MAX_RATE_LIMITS;

  return {
    calls,
    spent,
    async read<T>(method: string, call: (client: WebClient) => Promise<T>): Promise<ReadOutcome<T>> {
      for (;;) {
        if (spent.has(method) || options.signal.aborted) {
          return {
            ok: false,
            code: 'budget-spent',
            reason: `${method}: ${options.signal.aborted ? 'interrupted' : 'rate-limit budget spent for this run'}`,
          };
        }
        const wait = (pausedUntil.get(method) ?? 0) - Date.now();
        if (options.deadlineAt !== undefined && Date.now() + Math.max(0, wait) > options.deadlineAt) {
          spent.add(method);
          options.log.warn(`slack ${method}: the harvest's time budget is spent; the rest is read on the next run`);
          continue;
        }
        if (wait > 0) {
          await systemClock.sleep(wait, options.signal);
          continue;
        }
        calls.set(method, (calls.get(method) ?? 0) + 1);
        try {
          return { ok: true, value: await call(options.client) };
        } catch (error) {
          if (error instanceof WebAPIRateLimitedError) {
            const count = (rateLimits.get(method) ?? 0) + 1;
            rateLimits.set(method, count);
            if (count > maxRateLimits || error.retryAfter > options.maxRetryAfterSeconds) {
              spent.add(method);
              options.log.warn(`slack ${method} is rate-limited (Retry-After ${error.retryAfter}s): no more ${method} reads this run`);
              continue;
            }
            // Another lane may have pushed it further already: keep the later instant.
            pausedUntil.set(method, Math.max(pausedUntil.get(method) ?? 0, Date.now() + error.retryAfter * 1000));
            continue;
          }
          if (error instanceof WebAPIPlatformError) {
            const needed = (error.data as { needed?: unknown }).needed;
            return {
              ok: false,
              code: error.data.error,
              ...(typeof needed === 'string' ? { needed } : {}),
              reason: error.data.error,
            };
          }
          const failure = classifySlackError(error);
          return { ok: false, code: failure.kind, reason: describeFailure(failure) };
        }
      }
    },
  };
}
