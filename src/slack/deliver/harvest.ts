import type { WebClient } from '@slack/web-api';
import type { ThreadMessage } from '../../policy/answers/read-back.js';
import type { SlackReader } from './reader.js';

/**
 * What chaser can read, by the scopes the token was granted. Each missing scope turns off only
 * what needs it (doctor lists them; the run warns once).
 */
export interface ReadFeatures {
  /** channels:history (public) / groups:history (private): the parent page and the replies. */
  history: boolean;
  privateHistory: boolean;
  /** reactions:read: reactions on chaser's replies (and on the parent without history). */
  reactionsRead: boolean;
  /** reactions:write: 👀 on each answer read. */
  reactionsWrite: boolean;
  /** usergroups:read: who is in the team's user group. */
  usergroupsRead: boolean;
  /** users:read: whether a reactor is a bot. */
  usersRead: boolean;
}

/** Scope → feature, for doctor and the warnings. */
export const FEATURE_SCOPES = [
  { feature: 'read replies and parent reactions in team threads', scope: 'channels:history', key: 'history' },
  { feature: 'read replies in private team channels', scope: 'groups:history', key: 'privateHistory' },
  { feature: "read reactions on chaser's thread replies", scope: 'reactions:read', key: 'reactionsRead' },
  { feature: 'mark each answer read with 👀', scope: 'reactions:write', key: 'reactionsWrite' },
  { feature: 'only the team\'s user group may answer (answers.who = "team")', scope: 'usergroups:read', key: 'usergroupsRead' },
  { feature: "tell bots' reactions from people's", scope: 'users:read', key: 'usersRead' },
] as const satisfies ReadonlyArray<{ feature: string; scope: string; key: keyof ReadFeatures }>;

/** Granted scopes (auth.test's x-oauth-scopes) → features; unknown scopes (no header): assume granted, degrade on missing_scope. */
export function featuresFrom(scopes: readonly string[] | undefined): ReadFeatures {
  const has = (scope: string) => scopes === undefined || scopes.length === 0 || scopes.includes(scope);
  return {
    history: has('channels:history'),
    privateHistory: has('groups:history'),
    reactionsRead: has('reactions:read'),
    reactionsWrite: has('reactions:write'),
    usergroupsRead: has('usergroups:read'),
    usersRead: has('users:read'),
  };
}

export interface ThreadToRead {
  channel: string;
  parentTs: string;
  replyCursor: string | null;
  seenReplyCount: number;
  seenLatestReply: string | null;
  /** chaser's latest reply in the thread, whose reactions are read on their own. */
  latestOwnReplyTs: string | undefined;
}

export type ThreadRead =
  | {
      kind: 'read';
      /** The parent (with its reactions), the replies read since the cursor, and chaser's latest reply. */
      messages: ThreadMessage[];
      cursor: { replyCursor: string | null; seenReplyCount: number; seenLatestReply: string | null };
      /** Something was left unread (a scope, a budget): the next run tries again from the same cursor. */
      incomplete?: string;
    }
  | { kind: 'parent-deleted' }
  | { kind: 'unreadable'; reason: string; missingScope?: string };

const PAGE = 200;
const MAX_PAGES = 10;

/**
 * Reads one thread as cheaply as Slack allows: the parent first (a one-message history page
 * carries its reactions, reply_count and latest_reply; without channels:history, reactions.get),
 * the replies only when reply_count or latest_reply moved since the last run, and reactions on
 * chaser's latest reply. 1 call for a quiet thread, 2–3 for one with news.
 */
export async function readThread(reader: SlackReader, thread: ThreadToRead, features: ReadFeatures): Promise<ThreadRead> {
  const isPrivate = thread.channel.startsWith('G');
  const history = isPrivate ? features.privateHistory : features.history;
  let parent: (ThreadMessage & { reply_count?: number; latest_reply?: string }) | undefined;
  if (history) {
    const page = await reader.read('conversations.history', (client) =>
      client.conversations.history({ channel: thread.channel, latest: thread.parentTs, inclusive: true, limit: 1 }),
    );
    if (!page.ok) return unreadable(page);
    const first = page.value.messages?.[0];
    if (!first || first.ts !== thread.parentTs) return { kind: 'parent-deleted' };
    parent = first as typeof parent;
  } else if (features.reactionsRead) {
    const got = await reader.read('reactions.get', (client) =>
      client.reactions.get({ channel: thread.channel, timestamp: thread.parentTs, full: true }),
    );
    if (!got.ok) return got.code === 'message_not_found' ? { kind: 'parent-deleted' } : unreadable(got);
    parent = { ...(got.value.message as ThreadMessage), ts: thread.parentTs };
  } else {
    return { kind: 'unreadable', reason: 'no scope to read threads', missingScope: isPrivate ? 'groups:history' : 'channels:history' };
  }
  const messages: ThreadMessage[] = [parent as ThreadMessage];
  const replyCount = Number(parent?.reply_count ?? 0);
  const latestReply = parent?.latest_reply ?? null;
  let cursor = { replyCursor: thread.replyCursor, seenReplyCount: thread.seenReplyCount, seenLatestReply: thread.seenLatestReply };
  let incomplete: string | undefined;

  const changed = replyCount !== thread.seenReplyCount || latestReply !== thread.seenLatestReply;
  if (changed && history) {
    let pageCursor: string | undefined;
    let newest = thread.replyCursor;
    let complete = false;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const got = await reader.read('conversations.replies', (client) =>
        client.conversations.replies({
          channel: thread.channel,
          ts: thread.parentTs,
          limit: PAGE,
          ...(thread.replyCursor ? { oldest: thread.replyCursor } : {}),
          ...(pageCursor ? { cursor: pageCursor } : {}),
        }),
      );
      if (!got.ok) {
        if (got.code === 'thread_not_found') return { kind: 'parent-deleted' };
        incomplete = got.reason;
        break;
      }
      for (const reply of got.value.messages ?? []) {
        if (reply.ts === undefined || reply.ts === thread.parentTs) continue;
        if (thread.replyCursor !== null && Number(reply.ts) <= Number(thread.replyCursor)) continue;
        messages.push(reply as ThreadMessage);
        if (newest === null || Number(reply.ts) > Number(newest)) newest = reply.ts;
      }
      pageCursor = got.value.response_metadata?.next_cursor || undefined;
      if (!got.value.has_more || !pageCursor) {
        complete = true;
        break;
      }
    }
    // The cursor moves only over what was read whole: a half-read thread is read again from where it stood.
    if (complete) cursor = { replyCursor: newest, seenReplyCount: replyCount, seenLatestReply: latestReply };
    else incomplete ??= `more than ${MAX_PAGES * PAGE} new replies`;
  } else if (changed) {
    incomplete = `replies not read: add ${isPrivate ? 'groups:history' : 'channels:history'}`;
  }

  if (thread.latestOwnReplyTs && features.reactionsRead && !messages.some((m) => m.ts === thread.latestOwnReplyTs)) {
    const got = await reader.read('reactions.get', (client) =>
      client.reactions.get({ channel: thread.channel, timestamp: thread.latestOwnReplyTs as string, full: true }),
    );
    if (got.ok && got.value.message) messages.push({ ...(got.value.message as ThreadMessage), ts: thread.latestOwnReplyTs });
    else if (!got.ok && got.code !== 'message_not_found') incomplete ??= got.reason;
  }
  return { kind: 'read', messages, cursor, ...(incomplete ? { incomplete } : {}) };
}

function unreadable(outcome: { code: string; reason: string; needed?: string }): ThreadRead {
  return {
    kind: 'unreadable',
    reason: outcome.reason,
    ...(outcome.code === 'missing_scope' && outcome.needed ? { missingScope: outcome.needed } : {}),
  };
}

/** The members of a user group, or undefined when they cannot be read (then any person may answer, and the run says so). */
export async function readGroupMembers(reader: SlackReader, usergroup: string): Promise<Set<string> | undefined> {
  const got = await reader.read('usergroups.users.list', (client) => client.usergroups.users.list({ usergroup }));
  return got.ok ? new Set(got.value.users ?? []) : undefined;
}

/** Which of these users are bots (users.info); a user that cannot be looked up is taken for a person. */
export async function readBots(reader: SlackReader, users: Iterable<string>, known: Map<string, boolean>): Promise<void> {
  for (const user of users) {
    if (known.has(user)) continue;
    const got = await reader.read('users.info', (client) => client.users.info({ user }));
    known.set(user, got.ok ? Boolean(got.value.user?.is_bot) : false);
  }
}

/**
 * The metadata chaser tags a nudge with (threads on or off), so a post whose answer was lost can
 * be found by findTaggedPost: the event type and a run/team key (`kind` keeps a run's parent,
 * reply and plain nudge apart), with the team and the campaign.
 */
export function nudgeTag(
  runId: string,
  team: string,
  campaign: string,
  kind: 'parent' | 'reply' | 'nudge',
): { event_type: string; event_payload: Record<string, string> } {
  return { event_type: 'chaser_nudge', event_payload: { key: `${runId}/${team}/${kind}`, team, campaign } };
}

/** How far back a lost post is looked for: well beyond any timeout and retry of one run's post. */
const LOST_POST_WINDOW_SECONDS = 15 * 60;

/**
 * A post whose answer was lost (timed out after Slack delivered it), found in the channel by the
 * metadata chaser tagged it with (`event_type` and a run/team `key`): only chaser's own messages
 * count. Needs channels:history (groups:history for private channels); undefined when not found.
 */
export async function findTaggedPost(
  client: WebClient,
  item: {
    channel: string;
    thread?: { ts: string } | undefined;
    metadata?: { event_type: string; event_payload: Record<string, string> } | undefined;
  },
  botId: string | undefined,
  nowSeconds: number,
): Promise<{ channel: string; ts: string } | undefined> {
  const metadata = item.metadata;
  const key = metadata?.event_payload['key'];
  if (!metadata || !key) return undefined;
  const oldest = String(nowSeconds - LOST_POST_WINDOW_SECONDS);
  const page = item.thread
    ? await client.conversations.replies({ channel: item.channel, ts: item.thread.ts, oldest, include_all_metadata: true, limit: 200 })
    : await client.conversations.history({ channel: item.channel, oldest, include_all_metadata: true, limit: 100 });
  for (const message of page.messages ?? []) {
    const tag = (message as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
    if (tag?.event_type !== metadata.event_type || tag.event_payload?.['key'] !== key) continue;
    if (botId !== undefined && message.bot_id !== botId) continue;
    if (message.ts) return { channel: item.channel, ts: message.ts };
  }
  return undefined;
}
