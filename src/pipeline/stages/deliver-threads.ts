import { DAY_MS } from '../../config/duration.js';
import { describeDbError } from '../../db/connect.js';
import type { HeldSweepLock } from '../../db/lock.js';
import { createNudgeRecorder } from '../../db/nudge-recorder.js';
import type { RunId } from '../../db/runs.js';
import { closeThread, openThread, recordPermalink, recordThreadNudge, type CloseReason, type ThreadRow } from '../../db/threads.js';
import type { Plan, TeamPlan } from '../../policy/types.js';
import type { Delivery } from '../../run/types.js';
import { deliverAll, type Outbound } from '../../slack/deliver/notifier.js';
import { findTaggedPost, nudgeTag } from '../../slack/deliver/harvest.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { renderAllDone, renderThreadParent, renderThreadReply } from '../../slack/render/thread-messages.js';
import { statusVocabulary } from '../../slack/render/team-message.js';
import { guardDb, type RunScope } from '../scope.js';
import { createTurn, type Turn } from '../turn.js';
import { deliverNudges, unrecordedTeams, type NudgesSent } from './deliver-nudges.js';
import type { SendingWindowSplit } from './apply-sending-window.js';
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
  /** The team's thread in the fallbackChannel this new parent in its own channel replaces: replied in if that channel still fails. */
  fromFallback?: ThreadRow;
}

/**
 * Living threads for the teams posted now; a team outside its window in schedule mode gets a
 * plain scheduled message (a thread's parent must exist before its replies, and a scheduled one
 * has no ts until Slack posts it). Its thread, if any, is left as it is until a run inside the window.
 */
export async function deliverThreaded(
  scope: RunScope,
  {
    window,
    ...options
  }: Omit<Parameters<typeof deliverThreadNudges>[1], 'teams'> & {
    window: SendingWindowSplit;
  },
): Promise<NudgesSent> {
  const threaded = await deliverThreadNudges(scope, { ...options, teams: window.send });
  if (window.schedule.length === 0 || threaded.fatal || scope.env.signal.aborted) return threaded;
  const scheduled = await deliverNudges(scope, { slack: options.slack, teams: window.schedule, runId: options.runId, lock: options.lock });
  const fatal = threaded.fatal ?? scheduled.fatal;
  return { deliveries: new Map([...threaded.deliveries, ...scheduled.deliveries]), ...(fatal ? { fatal } : {}) };
}

/**
 * Nudges as living threads: the first nudge to a team opens its thread (the parent is the team's
 * status), later ones are replies, broadcast to the channel only when the team's tier rose. Then
 * every open thread's parent is brought up to date ("as of"), or, once nothing of the team is
 * outstanding, set to "all done" and the thread closed. A failed parent edit never blocks a nudge.
 */
export async function deliverThreadNudges(
  scope: RunScope,
  {
    slack,
    plan,
    teams,
    runId,
    lock,
    harvest,
    turn = createTurn(),
    parents = true,
    opened = new Set<string>(),
    pace,
  }: {
    slack: SlackSession;
    plan: Plan;
    /** The teams posted now (applySendingWindow's `send`); held teams keep their thread as it is, parent included. */
    teams: readonly TeamPlan[];
    runId: RunId | undefined;
    lock: HeldSweepLock | undefined;
    harvest: Harvest;
    /** The run's database turn, when the harvest records beside these deliveries. */
    turn?: Turn;
    /** false: the parents are brought up to date later, once (updateThreadParents), after the last wave. */
    parents?: boolean;
    /** Filled with the teams whose thread this call opened. */
    opened?: Set<string>;
    /** Per-channel pacing shared with the run's other deliveries (notifier's `pace`). */
    pace?: Map<string, number>;
  },
): Promise<NudgesSent> {
  const { request, env, sql } = scope;
  if (runId === undefined) throw new Error('deliverThreadNudges: nudges are recorded against a run record, and none was opened');
  const now = request.now;
  const tiers = request.config.tiers;
  const tierIndex = (name: string | null) => tiers.findIndex((t) => t.name === name);
  const maxAgeMs = request.config.threadMaxAgeDays * DAY_MS;
  const summaries = new Map(plan.summaries.map((s) => [s.team, s]));
  const vocabulary = statusVocabulary(request.config.source);
  const recorder = createNudgeRecorder(sql, { runId, now });
  const deliveries = new Map<string, Delivery>();

  const items: Item[] = [];
  for (const team of teams) {
    if (team.route.kind === 'unrouted') continue;
    const open = harvest.threads.get(team.team);
    // A thread the fallbackChannel took for a team that now has a route: a new one opens in its own channel.
    if (open?.inFallback && team.route.kind === 'team') {
      items.push({
        team,
        replaces: { id: open.id, reason: 'rerouted' },
        fromFallback: open,
        ...(await permalinkOf(scope, slack, open, turn)),
      });
    } else if (open && now.getTime() - open.openedAt.getTime() < maxAgeMs) items.push({ team, thread: open });
    else if (open) items.push({ team, replaces: { id: open.id, reason: 'expired' }, ...(await permalinkOf(scope, slack, open, turn)) });
    else items.push({ team });
  }

  // One lane's thread bookkeeping and nudge record at a time: a thread replaced in a transaction
  // must not interleave with another lane's statements (the embedded PGlite serves one session,
  // and a second connection's extended query there ends the open portal), nor with the harvest's: `turn`.

  const send = async (batch: Item[]) => {
    const byTeam = new Map(batch.map((item) => [item.team.team, item]));
    const outbound: Outbound<string>[] = batch.map((item) => toOutbound(item));
    const canLook = harvest.features.history;
    return deliverAll(outbound, {
      ...slack.common,
      ...(pace ? { pace } : {}),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      // Recorded first (the message is out), then no further post without the lock.
      halt: () => (lock?.lost ? 'the sweep lock was lost' : undefined),
      ...(canLook
        ? { findLost: (item: Outbound<string>) => findTaggedPost(slack.client, item, slack.botId, Math.floor(Date.now() / 1000)) }
        : {}),
      onDelivered: (out, accepted) =>
        turn(async () => {
          const item = byTeam.get(out.key);
          if (!item) return;
          const tier = item.team.tier.name;
          // The thread remembers the team's worst outstanding tier, not this message's: a lower-tier
          // reply in between must not make the next higher-tier one look like a rise again.
          const worst = summaries.get(item.team.team)?.worstTier.name;
          const remembered = worst && tierIndex(worst) > tierIndex(tier) ? worst : tier;
          if (item.thread) {
            await recordThreadNudge(sql, item.thread.id, now, remembered);
          } else {
            // The thread first: killed before the nudge is recorded, the next run replies in it instead of opening another.
            const thread = await openThread(sql, {
              team: item.team.team,
              campaign: harvest.campaign,
              channel: accepted.channel,
              parentTs: accepted.ts,
              now,
              runId,
              tier: remembered,
              ...(item.replaces ? { replaces: item.replaces } : {}),
              inFallback: item.team.route.kind === 'fallback',
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
          env.log.debug(`recorded ${item.team.team}`, { nudges: item.team.nudges.count, channel: accepted.channel, ts: accepted.ts });
          env.log.info(`nudged ${item.team.team}`, {
            channel: accepted.channel,
            consumers: item.team.nudges.count,
            thread: item.thread ? 'reply' : 'new',
          });
        }),
    }).then((report) => {
      if (report.unrecorded) {
        const { keys, error } = report.unrecorded;
        throw describeDbError(error, env.redact, `while recording delivered nudges: ${unrecordedTeams(keys)}`) ?? error;
      }
      return report;
    });
  };

  const toOutbound = (item: Item): Outbound<string> => {
    const answered = plan.answered.get(item.team.team) ?? [];
    const channel = item.team.route.kind === 'unrouted' ? '' : item.team.route.channel;
    // The run/team key a lost post is found by (findTaggedPost); a retry pass gets its own.
    const tag = (kind: 'parent' | 'reply') => nudgeTag(runId, item.team.team, harvest.campaign, kind);
    if (item.thread) {
      const rose = tierIndex(item.team.tier.name) > tierIndex(item.thread.lastTier);
      return {
        key: item.team.team,
        channel: item.thread.channel,
        thread: { ts: item.thread.parentTs, broadcast: rose },
        metadata: tag('reply'),
        message: () => renderThreadReply(item.team, answered, now, tiers, vocabulary),
      };
    }
    return {
      key: item.team.team,
      channel,
      metadata: tag('parent'),
      message: () =>
        renderThreadParent({
          team: item.team.team,
          plan: item.team,
          summary: summaries.get(item.team.team),
          answered,
          now,
          tiers,
          previousPermalink: item.previousPermalink,
          vocabulary,
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
  if (!fatal && !env.signal.aborted) fatal = await rerouteToFallback(scope, items, deliveries, send);
  lock?.assertHeld();
  for (const [team, delivery] of deliveries) {
    if (!delivery.ok) env.log.debug(`not delivered: ${team}`, { reason: delivery.reason });
  }
  // A held team's parent is left as it is: an edit outside its hours is still a message in its channel.
  const held = new Set(plan.teams.filter((t) => t.sending.mode !== 'send').map((t) => t.team));
  if (parents && !fatal && !env.signal.aborted) await updateThreadParents(scope, slack, plan, harvest, new Set([...opened, ...held]));
  return { deliveries, ...(fatal ? { fatal: { message: fatal.message, code: fatal.code } } : {}) };
}

/**
 * The fallbackChannel's second pass, after the teams' own channels: a team whose channel could not
 * take the post (not found, archived, not joinable) gets a new thread in the fallback channel,
 * saying why; its thread there, if it had one, is closed as rerouted.
 */
async function rerouteToFallback(
  scope: RunScope,
  items: readonly Item[],
  deliveries: Map<string, Delivery>,
  send: (batch: Item[]) => Promise<{ results: ReadonlyMap<string, Delivery>; fatal?: { code: string; message: string } | undefined }>,
): Promise<{ code: string; message: string } | undefined> {
  const fallbackChannel = scope.request.config.fallbackChannel;
  if (!fallbackChannel) return undefined;
  const rerouted: Array<Item & { because: { channel: string; reason: string } }> = [];
  for (const item of items) {
    const delivery = deliveries.get(item.team.team);
    if (item.team.route.kind !== 'team' || !delivery || delivery.ok || !delivery.unreachable) continue;
    const channel = item.thread?.channel ?? item.team.route.channel;
    if (channel === fallbackChannel) continue;
    const because = { channel, reason: delivery.reason };
    const team: TeamPlan = { ...item.team, route: { kind: 'fallback', channel: fallbackChannel, because } };
    // Its own channel still fails: the reply goes in the thread the fallbackChannel already has.
    if (item.fromFallback) rerouted.push({ team, thread: item.fromFallback, because });
    else rerouted.push({ team, ...(item.thread ? { replaces: { id: item.thread.id, reason: 'rerouted' as const } } : {}), because });
  }
  if (rerouted.length === 0) return undefined;
  const second = await send(rerouted);
  for (const item of rerouted) {
    const there = second.results.get(item.team.team);
    if (!there) continue;
    if (there.ok) {
      scope.env.log.warn(
        `team ${JSON.stringify(item.team.team)}: its channel ${item.because.channel} could not be reached (${item.because.reason}); nudged in the fallbackChannel ${fallbackChannel} instead`,
      );
      deliveries.set(item.team.team, { ...there, fallbackFrom: item.because });
    } else {
      deliveries.set(item.team.team, {
        ok: false,
        reason: `${item.because.reason}; the fallbackChannel ${fallbackChannel} failed too: ${there.reason}`,
      });
    }
  }
  return second.fatal;
}

/**
 * The thread's permalink: the stored one, else chat.getPermalink once (then stored in chaser_threads).
 * Used for the thread being replaced (the new parent links it) and by escalations; none is fine.
 * `turn`: the run's shared database turn while waves deliver side by side (none needed after them).
 */
export async function permalinkOf(
  scope: RunScope,
  slack: SlackSession,
  thread: ThreadRow,
  turn: Turn = (work) => work(),
): Promise<{ previousPermalink?: string }> {
  if (thread.permalink) return { previousPermalink: thread.permalink };
  try {
    const got = await slack.client.chat.getPermalink({ channel: thread.channel, message_ts: thread.parentTs });
    if (typeof got.permalink !== 'string') return {};
    await turn(() => guardDb(scope, () => recordPermalink(scope.sql, thread.id, got.permalink as string)));
    return { previousPermalink: got.permalink };
  } catch {
    return {};
  }
}

/** Every open thread's parent brought up to date, or "all done" and closed; `opened` (and held) teams' are left as they are. */
export async function updateThreadParents(
  scope: RunScope,
  slack: SlackSession,
  plan: Plan,
  harvest: Harvest,
  opened: ReadonlySet<string>,
): Promise<void> {
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
        renderThreadParent({
          team,
          plan: due.get(team),
          summary,
          answered: plan.answered.get(team) ?? [],
          now,
          tiers: request.config.tiers,
        }),
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
    env.log.info(
      `could not update the thread status of team ${team}: ${delivery.reason}${reason ? '; the next nudge opens a new thread' : ''}`,
    );
    if (reason) {
      await guardDb(scope, () => closeThread(sql, thread.id, now, reason));
      harvest.threads.delete(team);
    }
  }
}
