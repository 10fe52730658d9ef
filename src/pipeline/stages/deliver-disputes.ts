import { recordDisputePost, resolveDisputes } from '../../db/disputes.js';
import type { RunId } from '../../db/runs.js';
import { disputesEnded, disputesToPost } from '../../policy/answers/disputes.js';
import { LISTED_MAX } from '../../policy/team-tally.js';
import type { Plan } from '../../policy/types.js';
import { deliverAll, type Outbound } from '../../slack/deliver/notifier.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { renderDisputePost } from '../../slack/render/dispute-message.js';
import { guardDb, type RunScope } from '../scope.js';
import type { Harvest } from './harvest-answers.js';

/**
 * Routing disputes ("not ours") beyond the team's thread — sweep only: a dispute whose consumer
 * is no longer outstanding for the team that disputed it (owner changed in the inventory, or
 * done) is closed as resolved by the inventory; each new one is posted to the fallbackChannel,
 * one message per team, recorded right after Slack accepted it (never re-posted). Without a
 * fallbackChannel disputes are listed in the digest only. Returns how many were posted.
 */
export async function deliverDisputes(
  scope: RunScope,
  { slack, plan, harvest, runId }: { slack: SlackSession; plan: Plan; harvest: Harvest; runId: RunId | undefined },
): Promise<number> {
  const { request, env, sql } = scope;
  const ended = disputesEnded(harvest.disputes, plan.answered, LISTED_MAX);
  if (ended.length > 0) {
    await guardDb(scope, () => resolveDisputes(sql, ended, 'inventory', request.now));
    env.log.info(`${ended.length} routing dispute(s) ended: the consumer is no longer outstanding for the team that disputed it`);
  }
  const fallbackChannel = request.config.fallbackChannel;
  if (!fallbackChannel || env.signal.aborted) return 0;
  const toPost = disputesToPost(plan.answered, harvest.disputes);
  if (toPost.size === 0) return 0;
  const done = request.config.answers.reactions.done;
  const items: Outbound<string>[] = [...toPost].map(([team, disputes]) => ({
    key: team,
    channel: fallbackChannel,
    message: () => renderDisputePost(team, disputes, done),
  }));
  let posted = 0;
  const report = await deliverAll(items, {
    ...slack.common,
    onDelivered: async (item, accepted) => {
      const disputes = toPost.get(item.key) ?? [];
      await recordDisputePost(
        sql,
        { campaign: harvest.campaign, team: item.key, channel: accepted.channel, messageTs: accepted.ts },
        disputes,
        { runId, now: request.now },
      );
      posted += disputes.length;
      env.log.info(`posted the routing dispute of team ${item.key} to the fallbackChannel ${fallbackChannel}`, {
        consumers: disputes.length,
      });
    },
  });
  if (report.unrecorded) await guardDb(scope, () => Promise.reject(report.unrecorded?.error));
  for (const [team, delivery] of report.results) {
    if (!delivery.ok)
      env.log.warn(`could not post the routing dispute of team ${team} to the fallbackChannel ${fallbackChannel}: ${delivery.reason}`);
  }
  return posted;
}
