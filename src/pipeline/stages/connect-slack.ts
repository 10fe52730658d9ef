import type { SlackSession } from '../../slack/deliver/session.js';
import type { RunScope } from '../scope.js';

/** Opens the Slack session (one auth.test: a revoked token stops the run before anything is read). */
export async function connectSlack(scope: RunScope): Promise<SlackSession> {
  const { request, env, stats } = scope;
  // Loaded only when a run posts: dry-run never pays for @slack/web-api.
  const { openSlackSession } = await import('../../slack/deliver/session.js');
  return openSlackSession({
    token: request.slackToken ?? '',
    ...(request.slackApiUrl ? { apiUrl: request.slackApiUrl } : {}),
    slack: request.config.slack,
    signal: env.signal,
    log: env.log,
    redact: env.redact,
    onRequest: () => {
      stats.slackCalls += 1;
    },
  });
}
