import type { Plan } from '../../policy/types.js';
import type { DigestHistory } from '../../run/history.js';
import type { Delivery, DigestOutcome, RunThreads } from '../../run/types.js';
import type { DigestPacing } from '../../slack/render/digest-message.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import type { RunScope } from '../scope.js';

/** Sends the security lead the digest of this run. */
export async function deliverDigest(
  scope: RunScope,
  slack: SlackSession,
  plan: Plan,
  deliveries: ReadonlyMap<string, Delivery>,
  {
    threads,
    history,
    pacing,
  }: { threads?: RunThreads | undefined; history?: DigestHistory | undefined; pacing?: DigestPacing | undefined } = {},
): Promise<DigestOutcome & { fatal?: boolean }> {
  const { request } = scope;
  const digest = await slack.deliverDigest({
    destination: request.config.digest,
    plan,
    deliveries,
    mode: request.command,
    now: request.now,
    ...(pacing ? { pacing } : {}),
    ...(threads ? { answers: threads.facts, threaded: new Set(threads.open.keys()) } : {}),
    ...(history ? { history } : {}),
  });
  if (digest.delivered) scope.env.log.debug(`digest sent to ${digest.channel ?? 'its recipient'}`);
  else scope.env.log.debug('digest not delivered', { to: digest.channel, reason: digest.error });
  return digest;
}
