import { validateBlocks } from './block-kit-limits.js';
import type { FakeChannel, FakeMessage, FakeUser, FakeWorkspace } from './fake-slack-workspace.js';

/**
 * The Web API methods the fake Slack answers, as plain functions of (decoded params, workspace):
 * no HTTP here. Each answers like Slack does: HTTP 200, `ok:false` plus an error code on failure.
 * Authentication, rate limits and injected faults are the server's business, not theirs.
 */

export type Params = Record<string, unknown>;

export interface Reply {
  body: Record<string, unknown>;
  /** Set when a chat.postMessage put a message into a conversation. */
  delivered?: { channelId: string; ts: string };
}

export type MethodHandler = (params: Params, workspace: FakeWorkspace) => Reply;

/** Slack truncates (and warns) rather than rejects top-level text past this. */
export const TEXT_TRUNCATION_LIMIT = 40_000;
const MAX_ATTACHMENTS = 100;

export const METHODS: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'conversations.join': join,
  'conversations.info': info,
  'conversations.list': list,
  'conversations.open': open,
  'users.lookupByEmail': lookupByEmail,
};

/** The scopes each method accepts, for the `x-accepted-oauth-scopes` header. */
export const ACCEPTED_SCOPES: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'conversations.join': 'channels:join',
  'conversations.info': 'channels:read,groups:read,im:read,mpim:read',
  'conversations.list': 'channels:read,groups:read,im:read,mpim:read',
  'conversations.open': 'channels:manage,groups:write,im:write,mpim:write',
  'users.lookupByEmail': 'users:read.email',
};

function authTest(_params: Params, ws: FakeWorkspace): Reply {
  const id = ws.identity;
  return ok({
    url: id.url,
    team: id.team,
    user: id.user,
    team_id: id.teamId,
    user_id: id.userId,
    bot_id: id.botId,
    is_enterprise_install: false,
  });
}

function postMessage(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'chat:write');
  if (missing) return missing;

  const contentProblem = checkContent(params);
  if (contentProblem) return contentProblem;

  const ref = text(params, 'channel');
  if (!ref) return fail('channel_not_found');
  const target = ws.resolvePostTarget(ref, { open: true });
  if (!target) return fail('channel_not_found');
  if (target.kind === 'channel') {
    const refusal = postRefusal(target.channel, ws);
    if (refusal) return refusal;
  }

  const channelId = target.kind === 'channel' ? target.channel.id : target.id;
  const threadTs = text(params, 'thread_ts');
  if (threadTs && ws.lockedThreads.has(`${channelId}/${threadTs}`)) return fail('restricted_action_thread_locked');
  const metadata = readMetadata(params);
  if (metadata === 'invalid') return fail('invalid_metadata_format');
  const ts = ws.nextTs();
  const messageText = text(params, 'text') ?? '';
  const body: Record<string, unknown> = {
    ok: true,
    channel: channelId,
    ts,
    message: {
      type: 'message',
      subtype: 'bot_message',
      text: messageText.slice(0, TEXT_TRUNCATION_LIMIT),
      ts,
      user: ws.identity.userId,
      bot_id: ws.identity.botId,
      team: ws.identity.teamId,
      ...(Array.isArray(params['blocks']) ? { blocks: params['blocks'] } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
  };
  const stored: FakeMessage = {
    ts,
    user: ws.identity.userId,
    botId: ws.identity.botId,
    text: messageText.slice(0, TEXT_TRUNCATION_LIMIT),
    reactions: new Map(),
    ...(Array.isArray(params['blocks']) ? { blocks: params['blocks'] as unknown[] } : {}),
    ...(metadata ? { metadata } : {}),
  };
  if (threadTs) {
    stored.threadTs = threadTs;
    if (isTrue(params['reply_broadcast'])) stored.replyBroadcast = true;
    // Slack marks a parent with replies by giving it a thread_ts of its own ts.
    const parent = ws.findMessage(channelId, threadTs);
    if (parent) parent.threadTs = parent.ts;
  }
  ws.addMessage(channelId, stored);
  if (messageText.length > TEXT_TRUNCATION_LIMIT) {
    body['warning'] = 'message_truncated';
    body['response_metadata'] = {
      warnings: ['message_truncated'],
      messages: ['[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters.'],
    };
  }
  return { body, delivered: { channelId, ts } };
}

/** Whether Slack would refuse this post for what the channel is, not for what the message says. */
function postRefusal(channel: FakeChannel, ws: FakeWorkspace): Reply | undefined {
  if (channel.isArchived) return fail('is_archived');
  if (channel.isMember) return undefined;
  // chat:write.public lets a bot post into public channels it has not joined; never private ones.
  if (!channel.isPrivate && ws.scopes.has('chat:write.public')) return undefined;
  return fail('not_in_channel');
}

export function checkContent(params: Params): Reply | undefined {
  const hasText = (text(params, 'text') ?? '') !== '';
  const markdown = text(params, 'markdown_text');
  if (markdown !== undefined && (hasText || params['blocks'] !== undefined)) return fail('markdown_text_conflict');

  const blocks = params['blocks'];
  if (blocks !== undefined) {
    const verdict = validateBlocks(blocks);
    if (!verdict.ok) {
      return fail(verdict.error, {
        errors: verdict.errors,
        response_metadata: { messages: verdict.errors.map((e) => `[ERROR] ${e}`) },
      });
    }
  }
  const attachments = params['attachments'];
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return fail('invalid_attachments');
    if (attachments.length > MAX_ATTACHMENTS) return fail('too_many_attachments');
  }
  const hasContent =
    hasText ||
    (markdown ?? '') !== '' ||
    (Array.isArray(blocks) && blocks.length > 0) ||
    (Array.isArray(attachments) && attachments.length > 0);
  return hasContent ? undefined : fail('no_text');
}

function join(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'channels:join');
  if (missing) return missing;
  const ref = text(params, 'channel') ?? '';
  if (ws.dmById(ref)) return fail('method_not_supported_for_channel_type');
  // Slack's conversations.* methods take IDs only; a name is "not found".
  const channel = ws.findChannel(ref, { byName: false });
  if (!channel) return fail('channel_not_found');
  if (channel.isArchived) return fail('is_archived');
  if (channel.isPrivate) return fail('method_not_supported_for_channel_type');
  if (channel.isMember) {
    return ok({
      channel: channelObject(channel),
      warning: 'already_in_channel',
      response_metadata: { warnings: ['already_in_channel'] },
    });
  }
  channel.isMember = true;
  return ok({ channel: channelObject(channel) });
}

function info(params: Params, ws: FakeWorkspace): Reply {
  if (!ws.scopes.has('channels:read') && !ws.scopes.has('groups:read')) {
    return missingScope(ws, 'channels:read') ?? fail('missing_scope');
  }
  const ref = text(params, 'channel') ?? '';
  const dm = ws.dmById(ref);
  if (dm) return ok({ channel: { id: dm.id, is_im: true, user: dm.user.id, is_archived: false } });
  const channel = ws.findChannel(ref, { byName: false });
  if (!channel || !canSee(channel, ws)) return fail('channel_not_found');
  return ok({ channel: channelObject(channel) });
}

function list(params: Params, ws: FakeWorkspace): Reply {
  const types = (text(params, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
  const wantPublic = types.includes('public_channel');
  const wantPrivate = types.includes('private_channel');
  if (wantPublic && !ws.scopes.has('channels:read')) return missingScope(ws, 'channels:read') ?? fail('missing_scope');
  if (wantPrivate && !ws.scopes.has('groups:read')) return missingScope(ws, 'groups:read') ?? fail('missing_scope');
  const excludeArchived = isTrue(params['exclude_archived']);
  const channels = [...ws.channels.values()]
    .filter((c) => (c.isPrivate ? wantPrivate && c.isMember : wantPublic))
    .filter((c) => !(excludeArchived && c.isArchived))
    .map(channelObject);
  // No pagination: every channel in one page, with the empty cursor that ends a paginate() loop.
  return ok({ channels, response_metadata: { next_cursor: '' } });
}

function open(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'im:write');
  if (missing) return missing;
  const users = (text(params, 'users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (users.length === 0) {
    const existing = ws.dmById(text(params, 'channel') ?? '');
    return existing ? ok({ channel: { id: existing.id } }) : fail('users_list_not_supplied');
  }
  if (users.length > 1) return fail('method_not_supported_for_channel_type'); // group DMs are not modelled
  const [userId = ''] = users;
  const alreadyOpen = ws.dmOf(userId) !== undefined;
  const id = ws.openDm(userId);
  if (!id) return fail('user_not_found');
  return ok(alreadyOpen ? { no_op: true, already_open: true, channel: { id } } : { channel: { id } });
}

function lookupByEmail(params: Params, ws: FakeWorkspace): Reply {
  const missing = missingScope(ws, 'users:read.email');
  if (missing) return missing;
  const user = ws.findUserByEmail(text(params, 'email') ?? '');
  return user ? ok({ user: userObject(user, ws) }) : fail('users_not_found');
}

function canSee(channel: FakeChannel, ws: FakeWorkspace): boolean {
  // A bot sees public channels with channels:read, and only the private ones it is in with groups:read.
  return channel.isPrivate ? channel.isMember && ws.scopes.has('groups:read') : ws.scopes.has('channels:read');
}

function channelObject(channel: FakeChannel): Record<string, unknown> {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.isPrivate,
    is_group: channel.isPrivate,
    is_im: false,
    is_mpim: false,
    is_private: channel.isPrivate,
    is_archived: channel.isArchived,
    is_member: channel.isMember,
  };
}

function userObject(user: FakeUser, ws: FakeWorkspace): Record<string, unknown> {
  return {
    id: user.id,
    team_id: ws.identity.teamId,
    name: user.name,
    real_name: user.name,
    deleted: false,
    is_bot: false,
    profile: { email: user.email, real_name: user.name, display_name: user.name },
  };
}

export function missingScope(ws: FakeWorkspace, needed: string): Reply | undefined {
  if (ws.scopes.has(needed)) return undefined;
  return fail('missing_scope', { needed, provided: [...ws.scopes].join(',') });
}

/** `metadata` as Slack accepts it: `{ event_type, event_payload }`; absent → undefined. */
export function readMetadata(params: Params): FakeMessage['metadata'] | 'invalid' | undefined {
  const value = params['metadata'];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
  const { event_type: type, event_payload: payload } = value as Record<string, unknown>;
  if (typeof type !== 'string' || type === '') return 'invalid';
  if (payload !== undefined && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) return 'invalid';
  return { event_type: type, event_payload: (payload ?? {}) as Record<string, unknown> };
}

export function ok(fields: Record<string, unknown>): Reply {
  return { body: { ok: true, ...fields } };
}

export function fail(error: string, extra: Record<string, unknown> = {}): Reply {
  return { body: { ok: false, error, ...extra } };
}

/** A parameter as a string: form posts send everything as strings, JSON posts may send numbers. */
export function text(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Slack's boolean arguments arrive as "true"/"1" from forms and as true from JSON. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
