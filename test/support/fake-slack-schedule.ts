import type { ChannelMessage, FakeMessage, FakeWorkspace } from './fake-slack-workspace.js';
import { fail, ok, text, type MethodHandler, type Params, type Reply } from './fake-slack-methods.js';

/**
 * chat.scheduleMessage, chat.scheduledMessages.list and chat.deleteScheduledMessage, as Slack
 * documents them (docs.slack.dev reference pages): the
 * arguments, the answers and the errors chaser can meet (time_in_past, time_too_far,
 * invalid_scheduled_message_id, channel_not_found, not_in_channel, missing_scope). The fake's
 * clock is the workspace's (setClock), so tests running with --now in the past can schedule;
 * `deliverScheduled(upTo)` plays Slack's scheduler: what is due posts into its channel, with a
 * ts at its post_at, where conversations.history (fake-slack-threads.ts) reads it like any post.
 */

/** Slack refuses post_at more than 120 days ahead. */
const MAX_AHEAD_SECONDS = 120 * 24 * 3600;

export const SCHEDULE_METHODS: Record<string, MethodHandler> = {
  'chat.scheduleMessage': scheduleMessage,
  'chat.scheduledMessages.list': listScheduled,
  'chat.deleteScheduledMessage': deleteScheduled,
};

export const SCHEDULE_SCOPES: Record<string, string> = {
  'chat.scheduleMessage': 'chat:write',
  'chat.deleteScheduledMessage': 'chat:write',
};

function scheduleMessage(params: Params, ws: FakeWorkspace): Reply {
  if (!ws.scopes.has('chat:write')) return fail('missing_scope', { needed: 'chat:write' });
  const postAtText = text(params, 'post_at');
  const postAt = postAtText === undefined ? Number.NaN : Number(postAtText);
  if (!Number.isFinite(postAt)) return fail('invalid_time');
  const nowSeconds = Math.floor(ws.clockMs() / 1000);
  if (postAt <= nowSeconds) return fail('time_in_past');
  if (postAt - nowSeconds > MAX_AHEAD_SECONDS) return fail('time_too_far');
  const messageText = text(params, 'text') ?? '';
  if (messageText === '' && !Array.isArray(params['blocks'])) return fail('no_text');
  const ref = text(params, 'channel') ?? '';
  const target = ws.resolvePostTarget(ref, { open: true });
  if (!target) return fail('channel_not_found');
  if (target.kind === 'channel') {
    if (target.channel.isArchived) return fail('is_archived');
    if (!target.channel.isMember && (target.channel.isPrivate || !ws.scopes.has('chat:write.public'))) return fail('not_in_channel');
  }
  const channelId = target.kind === 'channel' ? target.channel.id : target.id;
  const id = ws.nextScheduledId();
  ws.scheduled.set(id, { id, channelId, postAt: Math.floor(postAt), dateCreated: nowSeconds, text: messageText, params });
  return ok({
    channel: channelId,
    scheduled_message_id: id,
    post_at: Math.floor(postAt),
    message: { type: 'delayed_message', text: messageText, bot_id: ws.identity.botId, user: ws.identity.userId },
  });
}

function listScheduled(params: Params, ws: FakeWorkspace): Reply {
  const channel = text(params, 'channel');
  const channelId = channel === undefined ? undefined : (ws.findChannel(channel, { byName: false })?.id ?? ws.dmById(channel)?.id);
  if (channel !== undefined && channelId === undefined) return fail('channel_not_found');
  const oldest = Number(text(params, 'oldest') ?? '-Infinity');
  const latest = Number(text(params, 'latest') ?? 'Infinity');
  if (oldest >= latest) return fail('invalid_arguments');
  const scheduled_messages = [...ws.scheduled.values()]
    .filter((m) => (channelId === undefined || m.channelId === channelId) && m.postAt >= oldest && m.postAt <= latest)
    .sort((a, b) => a.postAt - b.postAt)
    .map((m) => ({ id: m.id, channel_id: m.channelId, post_at: m.postAt, date_created: m.dateCreated, text: m.text }));
  // One page: the empty cursor ends a paginate() loop.
  return ok({ scheduled_messages, response_metadata: { next_cursor: '' } });
}

function deleteScheduled(params: Params, ws: FakeWorkspace): Reply {
  if (!ws.scopes.has('chat:write')) return fail('missing_scope', { needed: 'chat:write' });
  const channel = text(params, 'channel') ?? '';
  const channelId = ws.findChannel(channel, { byName: false })?.id ?? ws.dmById(channel)?.id;
  if (channelId === undefined) return fail('channel_not_found');
  const id = text(params, 'scheduled_message_id') ?? '';
  const message = ws.scheduled.get(id);
  // Already sent, already deleted, never scheduled or another channel's: all one error, as in Slack.
  if (!message || message.channelId !== channelId) return fail('invalid_scheduled_message_id');
  ws.scheduled.delete(id);
  return ok({});
}

/** Slack's scheduler: every scheduled message due by `upToMs` is posted (and leaves the list). */
export function deliverScheduled(ws: FakeWorkspace, upToMs: number): ChannelMessage[] {
  const posted: ChannelMessage[] = [];
  for (const message of [...ws.scheduled.values()].sort((a, b) => a.postAt - b.postAt)) {
    if (message.postAt * 1000 > upToMs) continue;
    ws.scheduled.delete(message.id);
    const entry: ChannelMessage = {
      ts: `${message.postAt}.${String(posted.length + 1).padStart(6, '0')}`,
      text: message.text,
      botId: ws.identity.botId,
      scheduledMessageId: message.id,
    };
    ws.history.set(message.channelId, [...(ws.history.get(message.channelId) ?? []), entry]);
    // One store for what a channel holds: conversations.history reads ws.messages, kept in ts order.
    const list = ws.messages.get(message.channelId) ?? [];
    const at = list.findIndex((m) => Number(m.ts) > Number(entry.ts));
    const shown: FakeMessage = { ts: entry.ts, user: ws.identity.userId, botId: entry.botId, text: entry.text, reactions: new Map() };
    if (at < 0) list.push(shown);
    else list.splice(at, 0, shown);
    ws.messages.set(message.channelId, list);
    posted.push(entry);
  }
  return posted;
}
