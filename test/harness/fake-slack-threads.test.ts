import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { silentLogger } from '../support/silent-logger.js';

const READ_SCOPES = [...DEFAULT_SCOPES, 'channels:history', 'groups:history', 'reactions:read', 'reactions:write', 'usergroups:read'];
const CHANNEL = 'C0PAYMENTS1';

let fake: FakeSlack;
let slack: WebClient;

async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data;
}

async function post(text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const result = await slack.chat.postMessage({ channel: CHANNEL, text, ...extra });
  return String(result.ts);
}

beforeEach(async () => {
  fake = await startFakeSlack({
    scopes: READ_SCOPES,
    channels: [
      { id: CHANNEL, name: 'team-payments' },
      { id: 'C0NOTJOINED', name: 'not-joined', isMember: false },
      { id: 'G0PRIVATE01', name: 'private-ops', isPrivate: true },
    ],
    users: [
      { id: 'U0ANA00001', email: 'ana@example.com' },
      { id: 'U0BEN00001', email: 'ben@example.com' },
      { id: 'U0WORKFLOW', email: 'workflow@example.com', isBot: true },
    ],
    usergroups: { S0PAYMENTS: ['U0ANA00001'] },
  });
  slack = new WebClient(fake.token, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logger: silentLogger,
    rejectRateLimitedCalls: true,
  });
});

afterEach(async () => {
  await fake.close();
});

describe('threads', () => {
  it('a post with thread_ts is a reply: stored in the thread, marked on the parent, broadcast only when asked', async () => {
    const parent = await post('status');
    const quiet = await post('follow-up', { thread_ts: parent });
    const loud = await post('escalated', { thread_ts: parent, reply_broadcast: true });
    expect(fake.thread(CHANNEL, parent).map((m) => m.ts)).toEqual([quiet, loud]);
    expect(fake.message(CHANNEL, parent)?.threadTs).toBe(parent);
    expect(fake.message(CHANNEL, loud)?.replyBroadcast).toBe(true);
    expect(fake.message(CHANNEL, quiet)?.replyBroadcast).toBeUndefined();
  });

  it('a locked thread refuses replies with restricted_action_thread_locked', async () => {
    const parent = await post('status');
    fake.lockThread(CHANNEL, parent);
    expect((await slackError(post('again', { thread_ts: parent }))).error).toBe('restricted_action_thread_locked');
  });

  it('metadata is stored and must be { event_type, event_payload }', async () => {
    const ts = await post('tagged', { metadata: { event_type: 'chaser_nudge', event_payload: { run: '7', team: 'payments' } } });
    expect(fake.message(CHANNEL, ts)?.metadata).toEqual({ event_type: 'chaser_nudge', event_payload: { run: '7', team: 'payments' } });
    expect((await slackError(post('bad', { metadata: { event_payload: {} } }))).error).toBe('invalid_metadata_format');
  });
});

describe('chat.update', () => {
  it("replaces the text and blocks of the bot's own message and keeps metadata it was not given", async () => {
    const ts = await post('as of 09:00', { metadata: { event_type: 'chaser_thread', event_payload: { team: 'payments' } } });
    const result = await slack.chat.update({ channel: CHANNEL, ts, text: 'as of 10:00' });
    expect(result).toMatchObject({ ok: true, channel: CHANNEL, ts, text: 'as of 10:00' });
    expect(fake.message(CHANNEL, ts)).toMatchObject({ text: 'as of 10:00', metadata: { event_type: 'chaser_thread' } });
    expect(fake.message(CHANNEL, ts)?.edited).toBeDefined();
  });

  it("answers message_not_found for a deleted message, cant_update_message for a person's, edit_window_closed when closed", async () => {
    const ts = await post('status');
    fake.deleteMessage(CHANNEL, ts);
    expect((await slackError(slack.chat.update({ channel: CHANNEL, ts, text: 'x' }))).error).toBe('message_not_found');
    const human = fake.say(CHANNEL, 'U0ANA00001', 'hello');
    expect((await slackError(slack.chat.update({ channel: CHANNEL, ts: human.ts, text: 'x' }))).error).toBe('cant_update_message');
    const old = await post('old status');
    fake.closeEditWindow(CHANNEL, old);
    expect((await slackError(slack.chat.update({ channel: CHANNEL, ts: old, text: 'x' }))).error).toBe('edit_window_closed');
  });

  it('takes a channel ID only, like Slack', async () => {
    const ts = await post('status');
    expect((await slackError(slack.chat.update({ channel: '#team-payments', ts, text: 'x' }))).error).toBe('channel_not_found');
  });
});

describe('chat.getPermalink', () => {
  it('links a parent as /archives/C…/p<ts without dot>, a reply with thread_ts and cid; message_not_found once deleted', async () => {
    const parent = await post('status');
    const reply = await post('r', { thread_ts: parent });
    const link = await slack.chat.getPermalink({ channel: CHANNEL, message_ts: parent });
    expect(link.permalink).toBe(`https://fake-workspace.slack.com/archives/${CHANNEL}/p${parent.replace('.', '')}`);
    const replyLink = await slack.chat.getPermalink({ channel: CHANNEL, message_ts: reply });
    expect(replyLink.permalink).toContain(`?thread_ts=${parent}&cid=${CHANNEL}`);
    fake.deleteMessage(CHANNEL, parent);
    expect((await slackError(slack.chat.getPermalink({ channel: CHANNEL, message_ts: parent }))).error).toBe('message_not_found');
  });
});

describe('reactions', () => {
  it('reactions.get lists each reaction with its users; full=true lists them all, without it the list is cut', async () => {
    const ts = await post('status');
    for (const user of ['U0ANA00001', 'U0BEN00001', 'U0WORKFLOW', 'U0SOMEONE1']) fake.react(CHANNEL, ts, user, 'white_check_mark');
    const full = await slack.reactions.get({ channel: CHANNEL, timestamp: ts, full: true });
    expect(full.message?.reactions).toEqual([
      { name: 'white_check_mark', count: 4, users: ['U0ANA00001', 'U0BEN00001', 'U0WORKFLOW', 'U0SOMEONE1'] },
    ]);
    const partial = await slack.reactions.get({ channel: CHANNEL, timestamp: ts });
    expect(partial.message?.reactions?.[0]).toMatchObject({ count: 4 });
    expect(partial.message?.reactions?.[0]?.users?.length).toBeLessThan(4);
  });

  it('reactions.get carries reply_count and latest_reply of a parent', async () => {
    const ts = await post('status');
    const r = fake.reply(CHANNEL, ts, 'U0ANA00001', 'done');
    const got = await slack.reactions.get({ channel: CHANNEL, timestamp: ts, full: true });
    expect(got.message).toMatchObject({ reply_count: 1, latest_reply: r.ts });
  });

  it("reactions.add adds the bot's reaction once; already_reacted, message_not_found, invalid_name", async () => {
    const ts = await post('status');
    await slack.reactions.add({ channel: CHANNEL, timestamp: ts, name: 'eyes' });
    expect(fake.message(CHANNEL, ts)?.reactions.get('eyes')).toEqual(['U0FAKEBOT1']);
    expect((await slackError(slack.reactions.add({ channel: CHANNEL, timestamp: ts, name: 'eyes' }))).error).toBe('already_reacted');
    expect((await slackError(slack.reactions.add({ channel: CHANNEL, timestamp: '1000000000.000001', name: 'eyes' }))).error).toBe(
      'message_not_found',
    );
    expect((await slackError(slack.reactions.add({ channel: CHANNEL, timestamp: ts, name: ':eyes:' }))).error).toBe('invalid_name');
  });

  it('each needs its scope: reactions:read to read, reactions:write to add', async () => {
    const ts = await post('status');
    fake.setScopes(DEFAULT_SCOPES);
    expect(await slackError(slack.reactions.get({ channel: CHANNEL, timestamp: ts }))).toMatchObject({
      error: 'missing_scope',
      needed: 'reactions:read',
    });
    expect(await slackError(slack.reactions.add({ channel: CHANNEL, timestamp: ts, name: 'eyes' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'reactions:write',
    });
  });
});

describe('conversations.replies', () => {
  it('returns the parent then the replies oldest first, paged by cursor, and only those after `oldest`', async () => {
    const parent = await post('status');
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const ts = texts.map((t) => fake.reply(CHANNEL, parent, 'U0ANA00001', t).ts);
    const first = await slack.conversations.replies({ channel: CHANNEL, ts: parent, limit: 3 });
    expect(first.messages?.map((m) => m.text)).toEqual(['status', 'one', 'two']);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor ?? '';
    expect(cursor).not.toBe('');
    const second = await slack.conversations.replies({ channel: CHANNEL, ts: parent, limit: 3, cursor });
    expect(second.messages?.map((m) => m.text)).toEqual(['three', 'four', 'five']);
    expect(second.has_more).toBe(false);
    expect(second.response_metadata?.next_cursor).toBe('');
    const since = await slack.conversations.replies({ channel: CHANNEL, ts: parent, oldest: ts[2] });
    expect(since.messages?.map((m) => m.text)).toEqual(['status', 'four', 'five']);
  });

  it("marks bot authors with bot_id, people without; replies name their parent's author", async () => {
    const parent = await post('status');
    fake.reply(CHANNEL, parent, 'U0WORKFLOW', 'automated');
    fake.reply(CHANNEL, parent, 'U0ANA00001', 'done');
    const got = await slack.conversations.replies({ channel: CHANNEL, ts: parent });
    const [head, bot, human] = got.messages ?? [];
    expect(head).toMatchObject({ bot_id: 'B0FAKEBOT1', reply_count: 2 });
    expect(bot).toMatchObject({ user: 'U0WORKFLOW', bot_id: 'B0WORKFLOW', parent_user_id: 'U0FAKEBOT1' });
    expect(human?.bot_id).toBeUndefined();
  });

  it('answers thread_not_found, invalid_cursor, not_in_channel and missing_scope (channels:history / groups:history)', async () => {
    expect((await slackError(slack.conversations.replies({ channel: CHANNEL, ts: '1000000000.000001' }))).error).toBe('thread_not_found');
    const parent = await post('status');
    expect((await slackError(slack.conversations.replies({ channel: CHANNEL, ts: parent, cursor: 'garbage' }))).error).toBe(
      'invalid_cursor',
    );
    expect((await slackError(slack.conversations.replies({ channel: 'C0NOTJOINED', ts: parent }))).error).toBe('not_in_channel');
    fake.setScopes(READ_SCOPES.filter((s) => s !== 'groups:history'));
    expect(await slackError(slack.conversations.history({ channel: 'G0PRIVATE01' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'groups:history',
    });
    fake.setScopes(DEFAULT_SCOPES);
    expect(await slackError(slack.conversations.replies({ channel: CHANNEL, ts: parent }))).toMatchObject({
      error: 'missing_scope',
      needed: 'channels:history',
    });
  });
});

describe('conversations.history', () => {
  it("a page carries each parent's reactions, reply_count and latest_reply, newest first, without plain replies", async () => {
    const a = await post('team a status');
    const b = await post('team b status');
    fake.react(CHANNEL, a, 'U0ANA00001', 'zzz');
    fake.reply(CHANNEL, b, 'U0BEN00001', 'eta 2026-12-09');
    const latest = fake.reply(CHANNEL, b, 'U0ANA00001', 'done');
    const page = await slack.conversations.history({ channel: CHANNEL });
    expect(page.messages?.map((m) => m.ts)).toEqual([b, a]);
    expect(page.messages?.[0]).toMatchObject({ reply_count: 2, latest_reply: latest.ts, reply_users: ['U0BEN00001', 'U0ANA00001'] });
    expect(page.messages?.[1]).toMatchObject({ reactions: [{ name: 'zzz', count: 1, users: ['U0ANA00001'] }] });
  });

  it('shows a broadcast reply in the channel; pages by cursor; metadata only with include_all_metadata', async () => {
    const parent = await post('status', { metadata: { event_type: 'chaser_thread', event_payload: { team: 'payments' } } });
    const loud = await post('escalated', { thread_ts: parent, reply_broadcast: true });
    await post('quiet', { thread_ts: parent });
    const first = await slack.conversations.history({ channel: CHANNEL, limit: 1 });
    expect(first.messages?.map((m) => m.ts)).toEqual([loud]);
    const rest = await slack.conversations.history({ channel: CHANNEL, limit: 1, cursor: first.response_metadata?.next_cursor ?? '' });
    expect(rest.messages?.map((m) => m.ts)).toEqual([parent]);
    expect(rest.messages?.[0]?.metadata).toBeUndefined();
    const withMetadata = await slack.conversations.history({ channel: CHANNEL, include_all_metadata: true });
    expect(withMetadata.messages?.find((m) => m.ts === parent)?.metadata).toEqual({
      event_type: 'chaser_thread',
      event_payload: { team: 'payments' },
    });
  });

  it('oldest bounds the page (exclusive unless inclusive)', async () => {
    const first = await post('one');
    const second = await post('two');
    expect((await slack.conversations.history({ channel: CHANNEL, oldest: first })).messages?.map((m) => m.ts)).toEqual([second]);
    expect((await slack.conversations.history({ channel: CHANNEL, oldest: first, inclusive: true })).messages?.map((m) => m.ts)).toEqual([
      second,
      first,
    ]);
  });
});

describe('usergroups.users.list', () => {
  it("lists a group's members; no_such_subteam; needs usergroups:read", async () => {
    expect((await slack.usergroups.users.list({ usergroup: 'S0PAYMENTS' })).users).toEqual(['U0ANA00001']);
    expect((await slackError(slack.usergroups.users.list({ usergroup: 'S0NOSUCH01' }))).error).toBe('no_such_subteam');
    fake.setScopes(DEFAULT_SCOPES);
    expect(await slackError(slack.usergroups.users.list({ usergroup: 'S0PAYMENTS' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'usergroups:read',
    });
  });
});

describe('users.info', () => {
  it('tells bots from people; user_not_found for a stranger', async () => {
    expect((await slack.users.info({ user: 'U0WORKFLOW' })).user).toMatchObject({ id: 'U0WORKFLOW', is_bot: true });
    expect((await slack.users.info({ user: 'U0ANA00001' })).user).toMatchObject({ is_bot: false });
    expect((await slackError(slack.users.info({ user: 'U0NOBODY01' }))).error).toBe('user_not_found');
  });
});

describe('per-method rate limits (methodLimits)', () => {
  it('answers 429 with Retry-After once a method used its budget in the window; other methods are unaffected', async () => {
    await fake.close();
    fake = await startFakeSlack({
      scopes: READ_SCOPES,
      channels: [{ id: CHANNEL, name: 'team-payments' }],
      methodLimits: { 'conversations.history': 2 },
    });
    slack = new WebClient(fake.token, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logger: silentLogger,
      rejectRateLimitedCalls: true,
    });
    const ts = await post('status');
    await slack.conversations.history({ channel: CHANNEL });
    await slack.conversations.history({ channel: CHANNEL });
    const error = await slack.conversations.history({ channel: CHANNEL }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBeGreaterThanOrEqual(1);
    expect((error as WebAPIRateLimitedError).retryAfter).toBeLessThanOrEqual(60);
    await expect(slack.reactions.get({ channel: CHANNEL, timestamp: ts })).resolves.toMatchObject({ ok: true });
    expect(fake.calls('conversations.history').map((r) => r.status)).toEqual([200, 200, 429]);
  });
});
