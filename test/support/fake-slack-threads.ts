import {
  checkContent,
  fail,
  isTrue,
  missingScope,
  ok,
  readMetadata,
  text,
  type MethodHandler,
  type Params,
  type Reply,
} from './fake-slack-methods.js';
import type { FakeMessage, FakeWorkspace } from './fake-slack-workspace.js';

/**
 * The methods a living thread needs, answered as Slack's method reference describes them
 * (slack-ruby/slack-api-ref scrapes of docs.slack.dev: chat.update, chat.getPermalink,
 * reactions.get/add, conversations.replies/history, usergroups.users.list): arguments, response
 * shapes, error codes. Where the reference is silent the choice is marked "Assumption".
 */

export const THREAD_METHODS: Record<string, MethodHandler> = {
  'chat.update': update,
  'chat.getPermalink': getPermalink,
  'reactions.get': reactionsGet,
  'reactions.add': reactionsAdd,
  'conversations.replies': replies,
  'conversations.history': history,
  'usergroups.users.list': usergroupUsers,
  'users.info': usersInfo,
};

export const THREAD_SCOPES: Record<string, string> = {
  'chat.update': 'chat:write',
  'reactions.get': 'reactions:read',
  'reactions.add': 'reactions:write',
  'conversations.replies': 'channels:history,groups:history,im:history,mpim:history',
  'conversations.history': 'channels:history,groups:history,im:history,mpim:history',
  'usergroups.users.list': 'usergroups:read',
  'users.info': 'users:read',
};

const TS = /^\d{10}\.\d{6}$/;
/** Assumption: without `full=true`, reactions.get lists at most this many users per reaction (the count stays whole). */
export const PARTIAL_REACTION_USERS = 3;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const REACTION_NAME = /^[a-z0-9_+'-]{1,100}$/;

/** conversations.* and chat.update take a conversation ID only (a name is "not found"). */
function conversation(ws: FakeWorkspace, ref: string): { id: string; isPrivate: boolean; isMember: boolean; isDm: boolean } | undefined {
  const dm = ws.dmById(ref);
  if (dm) return { id: dm.id, isPrivate: true, isMember: true, isDm: true };
  const channel = ws.findChannel(ref, { byName: false });
  return channel ? { id: channel.id, isPrivate: channel.isPrivate, isMember: channel.isMember, isDm: false } : undefined;
}

function update(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'chat:write');
  if (missing) return missing;
  const target = conversation(ws, text(params, 'channel') ?? '');
  if (!target) return fail('channel_not_found');
  const ts = text(params, 'ts') ?? '';
  const message = ws.findMessage(target.id, ts);
  if (!message) return fail('message_not_found');
  if (message.botId !== ws.identity.botId) return fail('cant_update_message');
  if (message.editWindowClosed) return fail('edit_window_closed');
  const contentProblem = checkContent(params);
  if (contentProblem) return contentProblem;
  const metadata = readMetadata(params);
  if (metadata === 'invalid') return fail('invalid_metadata_format');
  message.text = text(params, 'text') ?? '';
  if (Array.isArray(params['blocks'])) message.blocks = params['blocks'] as unknown[];
  else delete message.blocks;
  // "If you don't include this field, the message's previous metadata will be retained."
  if (metadata) message.metadata = metadata;
  message.edited = { user: ws.identity.userId, ts: ws.nextTs() };
  return ok({ channel: target.id, ts: message.ts, text: message.text, message: messageObject(message, { metadata: false }) });
}

function getPermalink(params: Params, ws: FakeWorkspace): Reply {
  const target = conversation(ws, text(params, 'channel') ?? '');
  if (!target) return fail('channel_not_found');
  const message = ws.findMessage(target.id, text(params, 'message_ts') ?? '');
  if (!message) return fail('message_not_found');
  const base = `${ws.identity.url}archives/${target.id}/p${message.ts.replace('.', '')}`;
  const permalink = message.threadTs && message.threadTs !== message.ts ? `${base}?thread_ts=${message.threadTs}&cid=${target.id}` : base;
  return ok({ channel: target.id, permalink });
}

/** The history scope a conversation needs; undefined = granted. */
function historyScopeProblem(ws: FakeWorkspace, target: { isPrivate: boolean; isDm: boolean }): Reply | undefined {
  const needed = target.isDm ? 'im:history' : target.isPrivate ? 'groups:history' : 'channels:history';
  return missingScope(ws, needed);
}

function reactionsGet(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'reactions:read');
  if (missing) return missing;
  const channelRef = text(params, 'channel');
  const timestamp = text(params, 'timestamp');
  if (!channelRef || !timestamp) return fail('no_item_specified');
  if (!TS.test(timestamp)) return fail('bad_timestamp');
  const target = conversation(ws, channelRef);
  if (!target) return fail('channel_not_found');
  const message = ws.findMessage(target.id, timestamp);
  if (!message) return fail('message_not_found');
  const full = isTrue(params['full']);
  return ok({
    type: 'message',
    channel: target.id,
    message: messageObject(message, { metadata: false, fullReactions: full, ws, channelId: target.id }),
  });
}

function reactionsAdd(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'reactions:write');
  if (missing) return missing;
  const name = text(params, 'name') ?? '';
  if (!REACTION_NAME.test(name)) return fail('invalid_name');
  const channelRef = text(params, 'channel');
  const timestamp = text(params, 'timestamp');
  if (!channelRef || !timestamp) return fail('no_item_specified');
  if (!TS.test(timestamp)) return fail('bad_timestamp');
  const target = conversation(ws, channelRef);
  if (!target) return fail('channel_not_found');
  if (ws.channels.get(target.id)?.isArchived) return fail('is_archived');
  const message = ws.findMessage(target.id, timestamp);
  if (!message) return fail('message_not_found');
  const users = message.reactions.get(name) ?? [];
  if (users.includes(ws.identity.userId)) return fail('already_reacted');
  message.reactions.set(name, [...users, ws.identity.userId]);
  return ok({});
}

/** A read of a conversation's messages: scope, membership (bots read only where they are members). */
function readable(params: Params, ws: FakeWorkspace): { id: string } | Reply {
  const target = conversation(ws, text(params, 'channel') ?? '');
  if (!target) return fail('channel_not_found');
  const scope = historyScopeProblem(ws, target);
  if (scope) return scope;
  if (!target.isMember) return target.isPrivate ? fail('channel_not_found') : fail('not_in_channel');
  return { id: target.id };
}

interface Window {
  oldest?: string;
  latest?: string;
  inclusive: boolean;
  limit: number;
  /** The ts a cursor continues after (exclusive), in the page's direction. */
  after?: string;
}

function readWindow(params: Params): Window | Reply {
  const oldest = text(params, 'oldest');
  const latest = text(params, 'latest');
  if (oldest !== undefined && oldest !== '' && !/^\d+(\.\d+)?$/.test(oldest)) return fail('invalid_ts_oldest');
  if (latest !== undefined && latest !== '' && !/^\d+(\.\d+)?$/.test(latest)) return fail('invalid_ts_latest');
  const rawLimit = Number(text(params, 'limit') ?? DEFAULT_PAGE);
  const limit = Number.isFinite(rawLimit) && rawLimit >= 1 ? Math.min(Math.floor(rawLimit), MAX_PAGE) : DEFAULT_PAGE;
  const cursor = text(params, 'cursor');
  let after: string | undefined;
  if (cursor) {
    after = decodeCursor(cursor);
    if (after === undefined) return fail('invalid_cursor');
  }
  return {
    ...(oldest ? { oldest } : {}),
    ...(latest ? { latest } : {}),
    inclusive: isTrue(params['inclusive']),
    limit,
    ...(after ? { after } : {}),
  };
}

const inWindow = (ts: string, w: Window): boolean => {
  const n = Number(ts);
  if (w.oldest !== undefined && (w.inclusive ? n < Number(w.oldest) : n <= Number(w.oldest))) return false;
  if (w.latest !== undefined && (w.inclusive ? n > Number(w.latest) : n >= Number(w.latest))) return false;
  return true;
};

/** Cursors are opaque to the client; this one says "next_ts:<ts>" in base64, like Slack's examples. */
function encodeCursor(ts: string): string {
  return Buffer.from(`next_ts:${ts}`).toString('base64');
}
function decodeCursor(cursor: string): string | undefined {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const match = /^next_ts:(\d{10}\.\d{6})$/.exec(decoded);
  return match?.[1];
}

/**
 * conversations.replies: the parent first, then its replies oldest first, within oldest/latest;
 * `has_more` and `response_metadata.next_cursor` when the limit cut the page.
 * Assumption: the parent is returned at the top of the first page even when `oldest` excludes it.
 */
function replies(params: Params, ws: FakeWorkspace): Reply {
  const where = readable(params, ws);
  if ('body' in where) return where;
  const window = readWindow(params);
  if ('body' in window) return window;
  const ts = text(params, 'ts') ?? '';
  const parent = ws.findMessage(where.id, ts);
  if (!parent) return fail('thread_not_found');
  const all = ws.repliesOf(where.id, parent.ts).filter((m) => inWindow(m.ts, window));
  const start = window.after === undefined ? 0 : all.findIndex((m) => Number(m.ts) > Number(window.after));
  const rest = start < 0 ? [] : all.slice(start);
  const head = window.after === undefined ? [parent] : [];
  const room = Math.max(window.limit - head.length, 1);
  const page = rest.slice(0, room);
  const hasMore = rest.length > page.length;
  const includeMetadata = isTrue(params['include_all_metadata']);
  return ok({
    messages: [...head, ...page].map((m) => messageObject(m, { metadata: includeMetadata, fullReactions: true, parent, ws })),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(page[page.length - 1]!.ts) : '' },
  });
}

/**
 * conversations.history: the channel's top-level messages (and broadcast replies), newest first,
 * each carrying its reactions, reply_count and latest_reply, so one page shows what changed in
 * every thread on it.
 */
function history(params: Params, ws: FakeWorkspace): Reply {
  const where = readable(params, ws);
  if ('body' in where) return where;
  const window = readWindow(params);
  if ('body' in window) return window;
  const visible = (ws.messages.get(where.id) ?? [])
    .filter((m) => m.threadTs === undefined || m.threadTs === m.ts || m.replyBroadcast)
    .filter((m) => inWindow(m.ts, window))
    .reverse();
  const start = window.after === undefined ? 0 : visible.findIndex((m) => Number(m.ts) < Number(window.after));
  const rest = start < 0 ? [] : visible.slice(start);
  const page = rest.slice(0, window.limit);
  const hasMore = rest.length > page.length;
  const includeMetadata = isTrue(params['include_all_metadata']);
  return ok({
    messages: page.map((m) => messageObject(m, { metadata: includeMetadata, fullReactions: true, ws, channelId: where.id })),
    has_more: hasMore,
    pin_count: 0,
    response_metadata: { next_cursor: hasMore ? encodeCursor(page[page.length - 1]!.ts) : '' },
  });
}

function usergroupUsers(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'usergroups:read');
  if (missing) return missing;
  const id = text(params, 'usergroup') ?? '';
  const members = ws.usergroups.get(id);
  return members ? ok({ users: [...members] }) : fail('no_such_subteam');
}

function usersInfo(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'users:read');
  if (missing) return missing;
  const id = text(params, 'user') ?? '';
  if (id === ws.identity.userId) return ok({ user: { id, name: ws.identity.user, is_bot: true, deleted: false } });
  const user = ws.users.get(id);
  return user ? ok({ user: { id, name: user.name, real_name: user.name, is_bot: user.isBot, deleted: false } }) : fail('user_not_found');
}

interface ShapeOptions {
  metadata: boolean;
  fullReactions?: boolean;
  /** For replies: the thread's parent. */
  parent?: FakeMessage;
  ws?: FakeWorkspace;
  /** For a top-level message: where to count its replies. */
  channelId?: string;
}

/** A message as Slack's read methods return it. */
function messageObject(m: FakeMessage, options: ShapeOptions): Record<string, unknown> {
  const reactions = [...m.reactions.entries()]
    .filter(([, users]) => users.length > 0)
    .map(([name, users]) => ({
      name,
      count: users.length,
      users: options.fullReactions === false || options.fullReactions === undefined ? users.slice(0, PARTIAL_REACTION_USERS) : [...users],
    }));
  const body: Record<string, unknown> = {
    type: 'message',
    ts: m.ts,
    user: m.user,
    text: m.text,
    ...(m.botId ? { bot_id: m.botId, subtype: 'bot_message' } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.edited ? { edited: { ...m.edited } } : {}),
    ...(reactions.length > 0 ? { reactions } : {}),
    ...(options.metadata && m.metadata ? { metadata: m.metadata } : {}),
  };
  if (m.replyBroadcast) body['subtype'] = 'thread_broadcast';
  if (options.parent && m.ts !== options.parent.ts) body['parent_user_id'] = options.parent.user;
  const ws = options.ws;
  const channelId = options.channelId;
  const isParent = m.threadTs === m.ts;
  if (ws && isParent) {
    const where = channelId ?? findChannelOf(ws, m);
    const threadReplies = where ? ws.repliesOf(where, m.ts) : [];
    if (threadReplies.length > 0) {
      body['reply_count'] = threadReplies.length;
      body['reply_users'] = [...new Set(threadReplies.map((r) => r.user))];
      body['reply_users_count'] = (body['reply_users'] as string[]).length;
      body['latest_reply'] = threadReplies[threadReplies.length - 1]!.ts;
    }
  }
  return body;
}

function findChannelOf(ws: FakeWorkspace, message: FakeMessage): string | undefined {
  for (const [id, list] of ws.messages) if (list.includes(message)) return id;
  return undefined;
}
