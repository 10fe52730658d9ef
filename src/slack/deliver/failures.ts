import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { sanitizeText } from '../render/escape.js';

/** Most characters of an unreadable answer kept here; the notifier cuts the reason after redacting it. */
const ANSWER_EXCERPT_CHARS = 1000;

/**
 * What a failed Slack call means for the run. Errors become values at this edge:
 * - rate-limited: wait Retry-After for this channel, then try again (Slack did not accept the call);
 * - not-in-channel: the bot may join a public channel once and retry;
 * - fatal: the credentials cannot post anything (revoked token, missing scope) — abort before the next post;
 * - failed: this call failed; the rest of the run goes on. `retryable`: Slack provably did not act
 *   on it (no connection was made, or Slack answered 503), so repeating it cannot post twice;
 * - lost: the request may have reached Slack, but no answer chaser can read came back (a timeout,
 *   a connection broken mid-answer, a gateway's 5xx, an answer that is not a JSON object). A call
 *   that changes something (a post) may have taken effect: it is not repeated.
 */
export type SlackFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'not-in-channel' }
  | { kind: 'fatal'; code: string; message: string }
  | { kind: 'failed'; reason: string; retryable?: boolean }
  | { kind: 'lost'; reason: string };

/** One sentence for a failure, for stderr, doctor and the digest. */
export function describeFailure(failure: SlackFailure): string {
  switch (failure.kind) {
    case 'fatal':
      return failure.message;
    case 'failed':
    case 'lost':
      return failure.reason;
    default:
      return failure.kind;
  }
}

const AUTH_FAILURES: Record<string, string> = {
  not_authed: 'Slack received no token: set SLACK_BOT_TOKEN',
  invalid_auth: 'Slack rejected the token (invalid_auth): check SLACK_BOT_TOKEN',
  account_inactive: 'the Slack token belongs to a deactivated bot or workspace (account_inactive): issue a new token',
  token_revoked: 'the Slack token was revoked (token_revoked): reinstall the app and update SLACK_BOT_TOKEN',
  token_expired: 'the Slack token expired (token_expired): refresh it and update SLACK_BOT_TOKEN',
  no_permission: 'the Slack token lacks permission (no_permission): check the app installation',
  not_allowed_token_type: 'SLACK_BOT_TOKEN is not a bot token (not_allowed_token_type): use the xoxb- token',
  org_login_required: 'the workspace requires an org login (org_login_required)',
  ekm_access_denied: 'Slack denied access (ekm_access_denied)',
  two_factor_setup_required: 'Slack requires two-factor setup for this token (two_factor_setup_required)',
  team_added_to_org: 'the workspace moved into an org; reinstall the app (team_added_to_org)',
};

export function classifySlackError(error: unknown): SlackFailure {
  if (error instanceof WebAPIRateLimitedError) {
    return { kind: 'rate-limited', retryAfterSeconds: error.retryAfter };
  }
  if (error instanceof WebAPIPlatformError) {
    const data: unknown = error.data;
    // WebClient turns a JSON answer without `ok` (an array, `{}`) into a platform error too.
    if (typeof data !== 'object' || data === null || Array.isArray(data) || !('ok' in data)) {
      return { kind: 'lost', reason: 'Slack\'s answer could not be read (no "ok" field)' };
    }
    const code = error.data.error;
    if (typeof code !== 'string' || code === '') return { kind: 'failed', reason: 'Slack answered ok:false without an error code' };
    // An answer that is not JSON (a proxy's page) comes back as `error: <the whole body>`: shown
    // only as a short, printable excerpt (and redacted on the way out, as it may echo the request).
    if (!/^[a-z0-9_.]+$/i.test(code)) {
      return { kind: 'lost', reason: `Slack's answer could not be read (not JSON: "${sanitizeText(code, ANSWER_EXCERPT_CHARS)}")` };
    }
    if (code === 'missing_scope') {
      const needed = (error.data as { needed?: unknown }).needed;
      return {
        kind: 'fatal',
        code,
        message: `the Slack app lacks the scope ${typeof needed === 'string' ? needed : '(not named by Slack)'} (missing_scope): add it under OAuth & Permissions, reinstall the app`,
      };
    }
    const auth = AUTH_FAILURES[code];
    if (auth) return { kind: 'fatal', code, message: auth };
    if (code === 'not_in_channel') return { kind: 'not-in-channel' };
    if (code === 'fatal_error' || code === 'internal_error' || code === 'service_unavailable') {
      // Not retried: Slack says the call may have partly succeeded, and a retry could post twice.
      return { kind: 'failed', reason: `${code} (Slack had a server error; the message may or may not have been posted)` };
    }
    return { kind: 'failed', reason: code };
  }
  if (error instanceof WebAPIHTTPError) {
    // 503: Slack (or its edge) refused the call before acting on it. 500, 502 and 504 may come
    // after Slack acted, from Slack itself or a gateway that lost Slack's answer.
    if (error.statusCode === 503) return { kind: 'failed', reason: 'Slack answered HTTP 503', retryable: true };
    return { kind: 'lost', reason: `Slack answered HTTP ${error.statusCode}` };
  }
  if (error instanceof WebAPIRequestError) {
    const original = error.original;
    if (/rate limit/i.test(original?.message ?? '')) return { kind: 'failed', reason: 'ratelimited (Retry-After exhausted)' };
    if (original?.name === 'TimeoutError' || /timeout/i.test(original?.message ?? '')) {
      return { kind: 'lost', reason: 'Slack did not answer in time (timeout)' };
    }
    const code = networkCode(original);
    if (code !== undefined && NEVER_CONNECTED.has(code))
      return { kind: 'failed', reason: `could not reach Slack (${code})`, retryable: true };
    return { kind: 'lost', reason: `the connection to Slack broke before its answer (${code ?? original?.message ?? 'request failed'})` };
  }
  // A plain Error from WebClient: a 429 without a usable Retry-After header.
  if (error instanceof Error && /Retry header/i.test(error.message)) {
    return { kind: 'failed', reason: 'ratelimited without a valid Retry-After' };
  }
  // WebClient reads an answer that is JSON but not an object (`null`, `"ok"`) by setting fields on
  // it, which throws a TypeError from inside the call: the answer, not chaser, is at fault.
  if (error instanceof TypeError) return { kind: 'lost', reason: "Slack's answer could not be read (not a JSON object)" };
  throw error;
}

/** Errors raised before a connection existed: the request cannot have reached Slack. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The system error code under fetch's "fetch failed" (one attempt, or each of happy eyeballs' attempts). */
function networkCode(error: Error | undefined): string | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause as { code?: unknown; errors?: Array<{ code?: unknown }> } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  const codes = (cause?.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  // Every attempt must have failed to connect for the request to be known unsent.
  return codes.find((c) => !NEVER_CONNECTED.has(c)) ?? codes[0];
}
