import { DAY_MS } from '../../config/duration.js';
import { describeDbError } from '../../db/connect.js';
import type { HeldSweepLock } from '../../db/lock.js';
import { createNudgeRecorder } from '../../db/nudge-recorder.js';
import type { RunId } from '../../db/runs.js';
import { closeThread, openThread, recordPermalink, recordThreadNudge, type CloseReason, type ThreadRow } from '../../db/threads.js';
import type { Plan, TeamPlan } from '../../policy/types.js';
import type { Delivery } from '../../run/types.js';
import { deliverAll, type Outbound } from '../../slack/deliver/notifier.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { renderAllDone, renderThreadParent, renderThreadReply } from '../../slack/render/thread-messages.js';
import { guardDb, type RunScope } from '../scope.js';
import { unrecordedTeams, type NudgesSent } from './deliver-nudges.js';
import type { Harvest } from './harvest-answers.js';


/** Slack's answers to a reply whose thread cannot take one: open a new thread instead. */
const THREAD_GONE: Readonly<Record<string, CloseReason>> = {
  restricted_action_thread_locked: 'locked',
  thread_locked: 'locked',
  cannot_reply_to_message: 'locked',
  message_not_found: 'parent-deleted',
  thread_not_found: 'parent-deleted',
};
/** Slack's answers to an edit of the parent that cannot be made: the next nudge opens a new parent instead. */
const CANNOT_EDIT: Readonly<Record<string, CloseReason>> = {
  message_not_found: 'parent-deleted',
  cant_update_message: 'locked',
  edit_window_closed: 'locked',
};

interface Item {
  team: TeamPlan;
  /** The thread this message is a reply in; undefined: it opens one (the parent is the nudge). */
  thread?: ThreadRow;
  replaces?: { id: string; reason: CloseReason };
  previousPermalink?: string;
}

/**
 * Nudges as living threads: the first nudge to a team opens its thread (the parent is the team's
 * status), later ones are replies, broadcast to the channel only when the team's tier rose. Then
 * every open thread's parent is brought up to date ("as of"), or, once nothing of the team is
 * outstanding, set to "all done" and the thread closed. A failed parent edit never blocks a nudge.
 */
export async function deliverThreadNudges(
  scope: RunScope,
  { slack, plan, runId, lock, harvest }: { slack: SlackSession; plan: Plan; runId: RunId | undefined; lock: HeldSweepLock | undefined; harvest: Harvest },
): Promise<NudgesSent> {
  const { request, env, sql } = scope;
  if (runId === undefined) throw new Error('deliverThreadNudges: nudges are recorded against a run record, and none was opened');
  const now = request.now;
  const tiers = request.config.tiers;
  const tierIndex = (name: string | null) => tiers.findIndex((t) => t.name === name);
  const maxAgeMs = request.config.threadMaxAgeDays * DAY_MS;
  const summaries = new Map(plan.summaries.map((s) => [s.team, s]));
  const recorder = createNudgeRecorder(sql, { runId, now });
  const deliveries = new Map<string, Delivery>();
  const opened = new Set<string>();

  const items: Item[] = [];
  for (const team of plan.teams) {
    if (team.route.kind === 'unrouted') continue;
    const open = harvest.threads.get(team.team);
    if (open && now.getTime() - open.openedAt.getTime() < maxAgeMs) items.push({ team, thread: open });
    else if (open) items.push({ team, replaces: { id: open.id, reason: 'expired' }, ...(await permalinkOf(scope, slack, open)) });
    else items.push({ team });
  }

  const send = async (batch: Item[]) => {
    const byTeam = new Map(batch.map((item) => [item.team.team, item]));
    const outbound: Outbound<string>[] = batch.map((item) => toOutbound(item));
    return deliverAll(outbound, {
      ...slack.common,
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      onDelivered: async (out, accepted) => {
        const item = byTeam.get(out.key);
        if (!item) return;
        const tier = item.team.tier.name;
        if (item.thread) {
          await recordThreadNudge(sql, item.thread.id, now, tier);
        } else {
          // The thread first: killed before the nudge is recorded, the next run replies in it instead of opening another.
          const thread = await openThread(sql, {
            team: item.team.team,
            campaign: harvest.campaign,
            channel: accepted.channel,
            parentTs: accepted.ts,
            now,
            runId,
            tier,
            ...(item.replaces ? { replaces: item.replaces } : {}),
          });
          harvest.threads.set(item.team.team, thread);
          opened.add(item.team.team);
        }
        await recorder.record({
          team: item.team.team,
          channel: accepted.channel,
          messageTs: accepted.ts,
          ids: item.team.nudges.ids(),
          tiers: item.team.nudges.tiers(),
        });
        lock?.assertHeld();
        env.log.info(`nudged ${item.team.team}`, { channel: accepted.channel, consumers: item.team.nudges.count, thread: item.thread ? 'reply' : 'new' });
      },
    }).catch((error: unknown) => {
      throw describeDbError(error, env.redact, 'while recording a delivered nudge; that team may be nudged again on the next run');
    });
  };

  const toOutbound = (item: Item): Outbound<string> => {
    const answered = plan.answered.get(item.team.team) ?? [];
    const channel = item.team.route.kind === 'unrouted' ? '' : item.team.route.channel;
    if (item.thread) {
      const rose = tierIndex(item.team.tier.name) > tierIndex(item.thread.lastTier);
      return {
        key: item.team.team,
        channel: item.thread.channel,
        thread: { ts: item.thread.parentTs, broadcast: rose },
        message: () => renderThreadReply(item.team, answered, now, tiers),
      };
    }
    return {
      key: item.team.team,
      channel,
      metadata: { event_type: 'chaser_thread', event_payload: { team: item.team.team, campaign: harvest.campaign } },
      message: () =>
        renderThreadParent({
          team: item.team.team,
          plan: item.team,
          summary: summaries.get(item.team.team),
          answered,
          now,
          tiers,
          previousPermalink: item.previousPermalink,
        }),
    };
  };

  // The notifier reports a record that failed (it no longer throws): name the teams, as sweep without threads does.
  const throwUnrecorded = (report: Awaited<ReturnType<typeof send>>) => {
    if (!report.unrecorded) return;
    const { keys, error } = report.unrecorded;
    throw describeDbError(error, env.redact, `while recording delivered nudges: ${unrecordedTeams(keys)}`) ?? error;
  };
  const first = await send(items);
  throwUnrecorded(first);
  let fatal = first.fatal;
  const retry: Item[] = [];
  for (const [team, delivery] of first.results) {
    deliveries.set(team, delivery);
    const item = items.find((i) => i.team.team === team);
    const reason = delivery.ok ? undefined : THREAD_GONE[delivery.reason];
    if (item?.thread && reason) {
      env.log.info(`the thread of team ${team} cannot take a reply (${delivery.ok ? '' : delivery.reason}); opening a new one`);
      retry.push({ team: item.team, replaces: { id: item.thread.id, reason } });
    }
  }
  if (retry.length > 0 && !fatal && !env.signal.aborted) {
    const second = await send(retry);
    throwUnrecorded(second);
    for (const [team, delivery] of second.results) deliveries.set(team, delivery);
    fatal ??= second.fatal;
  }
  lock?.assertHeld();
  if (!fatal && !env.signal.aborted) await updateParents(scope, slack, plan, harvest, opened);
  return { deliveries, ...(fatal ? { fatal: { message: fatal.message } } : {}) };
}

/** chat.getPermalink of the thread being replaced, so the new parent can link it; none is fine. */
async function permalinkOf(scope: RunScope, slack: SlackSession, thread: ThreadRow): Promise<{ previousPermalink?: string }> {
  if (thread.permalink) return { previousPermalink: thread.permalink };
  try {
    const got = await slack.client.chat.getPermalink({ channel: thread.channel, message_ts: thread.parentTs });
    if (typeof got.permalink !== 'string') return {};
    await guardDb(scope, () => recordPermalink(scope.sql, thread.id, got.permalink as string));
    return { previousPermalink: got.permalink };
  } catch {
    return {};
  }
}

/** Every open thread's parent brought up to date, or "all done" and closed. */
async function updateParents(scope: RunScope, slack: SlackSession, plan: Plan, harvest: Harvest, opened: ReadonlySet<string>): Promise<void> {
  const { request, env, sql } = scope;
  const now = request.now;
  const summaries = new Map(plan.summaries.map((s) => [s.team, s]));
  const due = new Map(plan.teams.map((t) => [t.team, t]));
  const items: Outbound<string>[] = [];
  const done = new Set<string>();
  for (const [team, thread] of harvest.threads) {
    if (opened.has(team)) continue;
    const summary = summaries.get(team);
    if (!summary) {
      done.add(team);
      items.push({ key: team, channel: thread.channel, update: { ts: thread.parentTs }, message: () => renderAllDone(team, now) });
      continue;
    }
    items.push({
      key: team,
      channel: thread.channel,
      update: { ts: thread.parentTs },
      message: () =>
        renderThreadParent({ team, plan: due.get(team), summary, answered: plan.answered.get(team) ?? [], now, tiers: request.config.tiers }),
    });
  }
  if (items.length === 0) return;
  const report = await deliverAll(items, slack.common);
  for (const [team, delivery] of report.results) {
    const thread = harvest.threads.get(team);
    if (!thread) continue;
    if (done.has(team)) {
      await guardDb(scope, () => closeThread(sql, thread.id, now, 'all-done'));
      harvest.threads.delete(team);
      continue;
    }
    if (delivery.ok) continue;
    const reason = CANNOT_EDIT[delivery.reason];
    env.log.info(`could not update the thread status of team ${team}: ${delivery.reason}${reason ? '; the next nudge opens a new thread' : ''}`);
    if (reason) {
      await guardDb(scope, () => closeThread(sql, thread.id, now, reason));
      harvest.threads.delete(team);
    }
  }
}
