import { readDisputePosts, resolveDisputes } from '../../db/disputes.js';
import type { RunId } from '../../db/runs.js';
import {
  closeThread,
  readAckEvents,
  readOpenThreads,
  readThreadConsumers,
  recordConfirmed,
  recordHarvest,
  type ThreadConsumers,
  type ThreadRow,
} from '../../db/threads.js';
import { resolverOf, type PostedDispute } from '../../policy/answers/disputes.js';
import type { AnswerSettings } from '../../policy/answers/effects.js';
import { eventsFromThread, reactorsOf, type ThreadMessage } from '../../policy/answers/read-back.js';
import { NOT_ALLOWED, type AckEvent, type NewAckEvent } from '../../policy/answers/types.js';
import { FEATURE_SCOPES, featuresFrom, readBots, readGroupMembers, readThread, type ReadFeatures } from '../../slack/deliver/harvest.js';
import { deliverAll } from '../../slack/deliver/notifier.js';
import { createSlackReader, type SlackReader } from '../../slack/deliver/reader.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import { renderConfirmation } from '../../slack/render/thread-messages.js';
import { guardDb, type RunScope } from '../scope.js';
import { createTurn, type Turn } from '../turn.js';

/**
 * The longest a run spends reading threads before it nudges: Slack's read limits (~50 calls a
 * minute per method) make 2,000 threads about 40 minutes; past this, the rest is read next run.
 */
export const HARVEST_BUDGET_MS = 10 * 60_000;

/** What the threads said, for the planner, the thread deliveries, the digest and --json. */
export interface Harvest {
  /** The campaign of this run: its --key, or '' for every key. */
  campaign: string;
  /** Open threads after the harvest (one whose parent was deleted is closed and gone from here). */
  threads: Map<string, ThreadRow>;
  consumers: Map<string, ThreadConsumers>;
  /** Every answer recorded for the campaign's teams: what the plan derives its effects from. */
  events: AckEvent[];
  /** Per team, the events this run recorded. */
  recorded: Map<string, AckEvent[]>;
  features: ReadFeatures;
  /** Threads left partly unread (scope, rate-limit budget), with why. */
  incomplete: Map<string, string>;
  /** Calls per read method. */
  calls: Map<string, number>;
  /** Routing disputes posted to the fallbackChannel in this campaign, resolved or not (after this harvest read the ✅s). */
  disputes: PostedDispute[];
}

/** Off (threads "off", no Slack, not a sweep): nothing read, nothing derived. */
export function noHarvest(): Harvest {
  return {
    campaign: '',
    threads: new Map(),
    consumers: new Map(),
    events: [],
    recorded: new Map(),
    features: featuresFrom(undefined),
    incomplete: new Map(),
    calls: new Map(),
    disputes: [],
  };
}

export function answerSettingsOf(scope: RunScope): AnswerSettings {
  const answers = scope.request.config.answers;
  return {
    claimGraceMs: answers.claimGraceMs,
    maxSnoozeMs: answers.maxSnoozeMs,
    // Only used with source.columns.lastSeenOnOldKey mapped: without it no consumer has a "last seen".
    quietMs: answers.quietForMs,
    reactions: { ...answers.reactions },
  };
}

/**
 * Before planning, reads what happened in each open thread since the last run and records it
 * (one statement per thread: its events and its cursor together, so a kill loses nothing and a
 * re-run records nothing twice). Then confirms, once per team, what it understood.
 * `record: false` (dry-run) reads and derives the same, and writes and posts nothing.
 */
export async function harvestAnswers(
  scope: RunScope,
  options: { slack: SlackSession; runId: RunId | undefined; record: boolean },
): Promise<Harvest> {
  const session = await startHarvest(scope, options);
  await session.readThreads([...session.harvest.threads.keys()]);
  await session.readDisputes();
  await session.finish();
  return session.harvest;
}

/** The harvest in its parts, so a sweep can nudge each team as soon as its own thread is read (harvest-and-nudge.ts). */
export interface HarvestSession {
  harvest: Harvest;
  /** The lead's ✅ on the open dispute posts; returns the teams with a dispute resolved now. */
  readDisputes(): Promise<Set<string>>;
  /** Every answer recorded so far for the campaign's teams, into `harvest.events`. */
  readRecorded(): Promise<void>;
  /** Answers recorded before this run and not confirmed yet ("Got it" still owed), per team. */
  owesConfirmation(team: string): boolean;
  /**
   * Reads the open threads of these teams in this order; `onRead` once each thread's answers are
   * recorded. `halt` true: no further thread is started (the run is failing).
   */
  readThreads(order: readonly string[], onRead?: (team: string) => void, halt?: () => boolean): Promise<void>;
  /** After every thread: the calls, a warning for what was left unread, the events, the "Got it" replies. */
  finish(): Promise<void>;
}

export async function startHarvest(
  scope: RunScope,
  {
    slack,
    runId,
    record,
    turn = createTurn(),
    pace,
  }: { slack: SlackSession; runId: RunId | undefined; record: boolean; turn?: Turn; pace?: Map<string, number> },
): Promise<HarvestSession> {
  const { request, env, sql } = scope;
  const campaign = request.keyId ?? '';
  const teams = request.teams;
  const threads = await guardDb(scope, () => readOpenThreads(sql, campaign, teams));
  const features = featuresFrom(slack.granted);
  const harvest: Harvest = { ...noHarvest(), campaign, threads, features };
  harvest.disputes = await guardDb(scope, () => readDisputePosts(sql, campaign, teams));
  const reader = createSlackReader({
    client: slack.client,
    maxRetryAfterSeconds: request.config.slack.maxRetryAfterSeconds,
    deadlineAt: Date.now() + HARVEST_BUDGET_MS,
    signal: env.signal,
    log: env.log,
  });
  const settings = answerSettingsOf(scope);
  const bots = new Map<string, boolean>();
  const anyThread = threads.size > 0;
  const readRecorded = async () => {
    harvest.events = await guardDb(scope, () => readAckEvents(sql, campaign, teams));
  };
  if (anyThread) warnMissingScopes(scope, features, [...threads.values()]);
  const consumers = anyThread
    ? await guardDb(scope, () => readThreadConsumers(sql, request.config.source, [...threads.values()]))
    : new Map<string, ThreadConsumers>();
  harvest.consumers = consumers;
  const rule = request.config.answers.who;
  const members = new Map<string, Set<string> | undefined>();

  const harvestOne = async (thread: ThreadRow) => {
    const listed: ThreadConsumers = consumers.get(thread.id) ?? { listed: [], byMessage: new Map() };
    const ownReplies = [...listed.byMessage.keys()].filter((ts) => ts !== thread.parentTs).sort((a, b) => Number(b) - Number(a));
    const read = await readThread(reader, { ...thread, latestOwnReplyTs: ownReplies[0] }, features);
    if (read.kind === 'parent-deleted') {
      env.log.info(`the thread of team ${thread.team} lost its parent message; the next nudge opens a new thread`);
      if (record) await turn(() => guardDb(scope, () => closeThread(sql, thread.id, request.now, 'parent-deleted')));
      threads.delete(thread.team);
      return;
    }
    if (read.kind === 'unreadable') {
      harvest.incomplete.set(thread.team, read.reason);
      return;
    }
    if (read.incomplete) harvest.incomplete.set(thread.team, read.incomplete);

    const mention = request.config.teams[thread.team]?.mention;
    if (rule === 'team' && mention?.startsWith('S') && features.usergroupsRead && !members.has(mention)) {
      members.set(mention, await readGroupMembers(reader, mention));
    }
    for (const message of read.messages) if (message.bot_id && message.user) bots.set(message.user, true);
    if (features.usersRead)
      await readBots(
        reader,
        [...reactorsOf(read.messages)].filter((u) => u !== slack.botUserId),
        bots,
      );
    const events: NewAckEvent[] = eventsFromThread(read.messages, {
      botUserId: slack.botUserId,
      bots: new Set([...bots].filter(([, isBot]) => isBot).map(([user]) => user)),
      reactorsUnchecked: !features.usersRead,
      rule,
      team: { mention, members: mention ? members.get(mention) : undefined },
      listed: listed.listed,
      listedByMessage: listed.byMessage,
      parentTs: thread.parentTs,
      settings,
      now: request.now,
    });
    if (!record) {
      harvest.recorded.set(
        thread.team,
        events.map((e, i) => ({ ...e, id: `dry-${i}`, threadId: thread.id, team: thread.team, recordedAt: request.now })),
      );
      return;
    }
    const fresh = await turn(() => guardDb(scope, () => recordHarvest(sql, thread, events, read.cursor, { runId, now: request.now })));
    harvest.recorded.set(thread.team, fresh);
    if (features.reactionsWrite) await markHeard(reader, thread.channel, fresh);
  };

  return {
    harvest,
    readRecorded,
    readDisputes: () => readDisputeResolutions(scope, { slack, reader, harvest, bots, record, turn }),
    owesConfirmation: (team) => {
      const thread = threads.get(team);
      return thread !== undefined && harvest.events.some((e) => e.threadId === thread.id && BigInt(e.id) > BigInt(thread.confirmedEventId));
    },
    async readThreads(order, onRead, halt) {
      const open = order.flatMap((team) => {
        const thread = threads.get(team);
        return thread ? [thread] : [];
      });
      await runBounded(open, request.config.slack.concurrency, async (thread) => {
        if (halt?.()) return;
        await harvestOne(thread);
        onRead?.(thread.team);
      });
    },
    async finish() {
      if (anyThread) {
        for (const [method, count] of reader.calls) harvest.calls.set(method, count);
        if (reader.spent.size > 0 || harvest.incomplete.size > 0) {
          env.log.warn(
            `the harvest did not finish for ${harvest.incomplete.size} team thread(s)${reader.spent.size > 0 ? ` (rate-limited: ${[...reader.spent].join(', ')})` : ''}; they are read again on the next run`,
          );
        }
      }
      await readRecorded();
      if (record && anyThread) await confirmAnswers(scope, slack, harvest, settings, pace);
    },
  };
}

/**
 * The lead's ✅ on a routing dispute posted to the fallbackChannel resolves it: one reactions.get
 * per open post (needs reactions:read), before planning, so the consumer is chased again in its
 * team's thread this very run. dry-run reads and does not record.
 */
async function readDisputeResolutions(
  scope: RunScope,
  {
    slack,
    reader,
    harvest,
    bots,
    record,
    turn,
  }: { slack: SlackSession; reader: SlackReader; harvest: Harvest; bots: Map<string, boolean>; record: boolean; turn: Turn },
): Promise<Set<string>> {
  const resolved = new Set<string>();
  const open = new Map<string, PostedDispute[]>();
  for (const post of harvest.disputes) {
    if (post.resolvedAt !== null) continue;
    const key = `${post.channel} ${post.messageTs}`;
    open.set(key, [...(open.get(key) ?? []), post]);
  }
  if (open.size === 0 || !harvest.features.reactionsRead) return resolved;
  const { now } = scope.request;
  const done = scope.request.config.answers.reactions.done;
  for (const posts of open.values()) {
    const [first] = posts as [PostedDispute];
    const got = await reader.read('reactions.get', (client) =>
      client.reactions.get({ channel: first.channel, timestamp: first.messageTs, full: true }),
    );
    if (!got.ok || !got.value.message) continue;
    const message = got.value.message as ThreadMessage;
    if (harvest.features.usersRead) {
      const reactors = (message.reactions ?? []).filter((r) => r.name === done).flatMap((r) => r.users ?? []);
      await readBots(
        reader,
        reactors.filter((u) => u !== slack.botUserId),
        bots,
      );
    }
    const known = new Set([...bots].filter(([, isBot]) => isBot).map(([user]) => user));
    const by = resolverOf(message, done, slack.botUserId, known);
    if (!by) continue;
    if (record) {
      await turn(() =>
        guardDb(scope, () =>
          resolveDisputes(
            scope.sql,
            posts.map((p) => p.eventId),
            by,
            now,
          ),
        ),
      );
    }
    resolved.add(first.team);
    for (const post of posts) {
      post.resolvedAt = now;
      post.resolvedBy = by;
    }
    scope.env.log.info(`routing dispute of team ${first.team} resolved by ${by}: chased again in its thread`, {
      consumers: posts.length,
    });
  }
  return resolved;
}

/** 👀 on each message an answer came from, so people see it was heard (already there: fine). */
async function markHeard(reader: ReturnType<typeof createSlackReader>, channel: string, events: readonly AckEvent[]): Promise<void> {
  const messages = new Set(events.filter((e) => !(e.kind === 'refused' && e.detail === NOT_ALLOWED)).map((e) => e.messageTs));
  for (const ts of messages) {
    await reader.read('reactions.add', (client) => client.reactions.add({ channel, timestamp: ts, name: 'eyes' }));
  }
}

/**
 * One "Got it" per team per run, for every answer not confirmed yet (a run killed after recording
 * confirms on the next one). The confirmed mark moves only after Slack accepted the reply.
 */
async function confirmAnswers(
  scope: RunScope,
  slack: SlackSession,
  harvest: Harvest,
  settings: AnswerSettings,
  pace: Map<string, number> | undefined,
): Promise<void> {
  const items = [];
  const last = new Map<string, string>();
  for (const thread of harvest.threads.values()) {
    const pending = harvest.events.filter((e) => e.threadId === thread.id && BigInt(e.id) > BigInt(thread.confirmedEventId));
    if (pending.length === 0) continue;
    last.set(
      thread.team,
      pending.reduce((max, e) => (BigInt(e.id) > BigInt(max) ? e.id : max), '0'),
    );
    const names = new Map((harvest.consumers.get(thread.id)?.listed ?? []).map((c) => [c.id, c.name]));
    const message = renderConfirmation(pending, names, settings);
    if (!message) {
      await guardDb(scope, () => recordConfirmed(scope.sql, thread.id, last.get(thread.team) as string));
      continue;
    }
    items.push({ key: thread.team, channel: thread.channel, thread: { ts: thread.parentTs, broadcast: false }, message: () => message });
  }
  if (items.length === 0) return;
  const report = await deliverAll(items, {
    ...slack.common,
    ...(pace ? { pace } : {}),
    onDelivered: async (item) => {
      const thread = harvest.threads.get(item.key);
      const id = last.get(item.key);
      if (thread && id) await guardDb(scope, () => recordConfirmed(scope.sql, thread.id, id));
    },
  });
  for (const [team, delivery] of report.results) {
    if (!delivery.ok) scope.env.log.warn(`could not confirm the answers of team ${team} in its thread: ${delivery.reason}`);
  }
}

/** One warning per missing scope per run, naming what it turns off. */
function warnMissingScopes(scope: RunScope, features: ReadFeatures, threads: readonly ThreadRow[]): void {
  const anyPrivate = threads.some((t) => t.channel.startsWith('G'));
  for (const { feature, scope: needed, key } of FEATURE_SCOPES) {
    if (features[key]) continue;
    if (key === 'privateHistory' && !anyPrivate) continue;
    if (key === 'usergroupsRead' && scope.request.config.answers.who !== 'team') continue;
    scope.env.log.warn(
      `Slack scope ${needed} not granted: off this run: ${feature} (add it under OAuth & Permissions and reinstall the app)`,
    );
  }
}

async function runBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
