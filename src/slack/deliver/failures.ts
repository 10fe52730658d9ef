import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';

/**
 * What a failed Slack call means for the run. Errors become values at this edge:
 * - rate-limited: wait Retry-After for this channel, then try again;
 * - not-in-channel: the bot may join a public channel once and retry;
 * - fatal: the credentials cannot post anything (revoked token, missing scope) — abort before the next post;
 * - failed: this delivery failed; the rest of the run goes on.
 */
export type SlackFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'not-in-channel' }
  | { kind: 'fatal'; code: string; message: string }
  | { kind: 'failed'; reason: string };

/** One sentence for a failure, for stderr, doctor and the digest. */
export function describeFailure(failure: SlackFailure): string {
  switch (failure.kind) {
    case 'fatal':
      return failure.message;
    case 'failed':
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
    const code = error.data.error;
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
    return { kind: 'failed', reason: `Slack answered HTTP ${error.statusCode} after retries` };
  }
  if (error instanceof WebAPIRequestError) {
    const original = error.original?.message ?? '';
    if (/rate limit/i.test(original)) return { kind: 'failed', reason: 'ratelimited (Retry-After exhausted)' };
    const timedOut = error.original?.name === 'TimeoutError' || /timeout|aborted/i.test(original);
    return { kind: 'failed', reason: timedOut ? 'Slack did not answer in time (timeout) after retries' : `network error reaching Slack: ${original || 'request failed'}` };
  }
  // A plain Error from WebClient: a 429 without a usable Retry-After header.
  if (error instanceof Error && /Retry header/i.test(error.message)) {
    return { kind: 'failed', reason: 'ratelimited without a valid Retry-After' };
  }
  throw error;
}
