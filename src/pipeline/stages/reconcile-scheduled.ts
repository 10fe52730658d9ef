import { markReconciled, readPendingScheduled, readStillPending, type Reconciled } from '../../db/scheduled.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { guardDb, type RunScope } from '../scope.js';

/** Slack posts a scheduled message anyway when it is deleted this close to its time. */
export const DELETE_MIN_AHEAD_MS = 10 * 60_000;

/**
 * Settles the scheduled nudges of earlier runs before this one plans (sweep only; no Slack call
 * when none is pending):
 * - still queued, every consumer it names no longer pending, post_at more than 10 minutes away:
 *   deleted (nearer than that Slack may post it anyway, so it is left to go out);
 * - no longer queued and post_at passed: sent; its real ts is looked up in the channel's history;
 * - no longer queued before post_at: someone deleted it in Slack ("gone").
 * The nudge counts stay as recorded: a deleted one named only consumers who had moved on.
 */
export async function reconcileScheduled(scope: RunScope, slack: SlackSession): Promise<void> {
  const { request, env } = scope;
  const pending = await guardDb(scope, () => readPendingScheduled(scope.sql));
  if (pending.length === 0) return;
  const stillPending = await guardDb(scope, () =>
    readStillPending(scope.sql, request.config.source, [...new Set(pending.flatMap((p) => p.consumerIds))]),
  );
  const nowMs = request.now.getTime();
  const outcomes: Reconciled[] = [];
  for (const channel of new Set(pending.map((p) => p.channel))) {
    const queued = await slack.listScheduled(channel);
    for (const nudge of pending.filter((p) => p.channel === channel)) {
      const id = nudge.scheduledMessageId;
      if (queued.has(id)) {
        const allMoved = nudge.consumerIds.every((consumer) => !stillPending.has(consumer));
        if (allMoved && nudge.postAt.getTime() - nowMs > DELETE_MIN_AHEAD_MS) {
          const deleted = await slack.deleteScheduled(channel, id);
          outcomes.push({ scheduledMessageId: id, status: deleted ? 'deleted' : 'gone' });
          env.log.info(`deleted the scheduled nudge of ${nudge.team}: every consumer it names has moved`, {
            channel,
            postAt: nudge.postAt.toISOString(),
          });
        }
        continue;
      }
      if (nudge.postAt.getTime() <= nowMs) {
        const ts = await slack.findPosted(channel, nudge.postAt);
        outcomes.push({ scheduledMessageId: id, status: 'sent', messageTs: ts });
      } else {
        outcomes.push({ scheduledMessageId: id, status: 'gone' });
        env.log.warn(`the scheduled nudge of ${nudge.team} is no longer in Slack's queue (deleted in Slack?)`, {
          channel,
          postAt: nudge.postAt.toISOString(),
        });
      }
    }
  }
  await guardDb(scope, () => markReconciled(scope.sql, outcomes, request.now));
}
